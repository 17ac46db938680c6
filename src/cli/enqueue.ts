/**
 * `queuectl enqueue '<json>'` and `queuectl enqueue --file PATH|-`: add one job, or many (one JSON
 * object per line, all or none).
 * @module
 */

import { resolve } from "../platform/paths.ts";
import { ValidationError } from "../errors.ts";
import { type JobInput, parseJobJson } from "../queue/mod.ts";
import { type CommandContext, type CommandSpec, usageError } from "./command.ts";

/** Most jobs one `enqueue --file` may add. */
export const MAX_BATCH_JOBS = 1_000_000;
/** Largest `enqueue --file` input, in bytes. */
export const MAX_BATCH_BYTES = 512 * 1024 * 1024;

export const enqueueCommand: CommandSpec = {
  name: ["enqueue"],
  args: "['<json>']",
  summary: "add a job (or many with --file); prints the new ids",
  details: `Fields: id, command (required), max_retries, priority, run_at, timeout, cwd, env.
Examples:
  queuectl enqueue '{"command":"make -C ~/src/app test","priority":5}'
  queuectl enqueue '{"id":"nightly","command":"backup.sh","run_at":"2026-12-01T02:00:00Z"}'
  printf '%s\\n' '{"command":"true"}' '{"command":"false"}' | queuectl enqueue --file -`,
  options: {
    file: { type: "string", value: "PATH", help: "read one JSON job per line; - for stdin" },
  },
  positionals: [0, 1],
  async run(context, args, options) {
    const file = options.file as string | undefined;
    if (file === undefined && args.length === 0) {
      throw usageError(enqueueCommand, "Missing the job: '<json>' or --file PATH");
    }
    if (file !== undefined && args.length > 0) {
      throw usageError(enqueueCommand, "Give the job as '<json>' or with --file, not both");
    }
    const inputs = file === undefined ? [parseJobJson(args[0]!)] : await readBatch(context, file);
    await checkDirectories(inputs, context.cwd);
    const where = { cwd: context.cwd };
    if (context.json) {
      const jobs = await context.withStore((store) => store.enqueue(inputs, where));
      context.out.json(file === undefined ? jobs[0] : jobs);
    } else {
      const ids = await context.withStore((store) => store.submit(inputs, where));
      context.out.line(ids.join("\n"));
    }
    return 0;
  },
};

async function readBatch(context: CommandContext, file: string): Promise<JobInput[]> {
  const text = file === "-" ? await readStdin() : await readFileBounded(resolve(context.cwd, file));
  const inputs: JobInput[] = [];
  const lines = text.split("\n");
  let count = 0;
  for (const line of lines) if (line.trim().length > 0) count++;
  if (count > MAX_BATCH_JOBS) {
    throw new ValidationError(
      `Too many jobs in one batch: ${count}, at most ${MAX_BATCH_JOBS}; split the input`,
    );
  }
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line.length === 0) continue;
    try {
      inputs.push(parseJobJson(line));
    } catch (error) {
      if (error instanceof ValidationError) {
        throw new ValidationError(`Line ${index + 1}: ${error.message}`);
      }
      throw error;
    }
  }
  if (inputs.length === 0) throw new ValidationError("No jobs in the input");
  return inputs;
}

async function readFileBounded(path: string): Promise<string> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ValidationError(`Cannot read "${path}": no such file`);
    }
    throw error;
  }
  if (!info.isFile) throw new ValidationError(`Cannot read "${path}": not a file`);
  if (info.size > MAX_BATCH_BYTES) {
    throw new ValidationError(`Input "${path}" is too large: at most ${MAX_BATCH_BYTES} bytes`);
  }
  return await Deno.readTextFile(path);
}

async function readStdin(): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of Deno.stdin.readable) {
    size += chunk.length;
    if (size > MAX_BATCH_BYTES) {
      throw new ValidationError(`Input is too large: at most ${MAX_BATCH_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(all);
}

async function checkDirectories(inputs: JobInput[], defaultCwd: string): Promise<void> {
  const dirs = new Set(inputs.map((input) => input.cwd ?? defaultCwd));
  for (const dir of dirs) {
    let ok = false;
    try {
      ok = (await Deno.stat(dir)).isDirectory;
    } catch (error) {
      if (
        !(error instanceof Deno.errors.NotFound) && !(error instanceof Deno.errors.NotADirectory)
      ) {
        throw error;
      }
    }
    if (!ok) throw new ValidationError(`Field "cwd": "${dir}" is not an existing directory`);
  }
}

/**
 * `queuectl enqueue '<json>'`, `queuectl enqueue --file PATH|-` (many jobs, one JSON object per
 * line, all or none) and `queuectl enqueue [options] -- <command…>` (one job without JSON).
 * @module
 */

import { resolve } from "../platform/paths.ts";
import { ValidationError } from "../errors.ts";
import { type JobInput, parseJobJson } from "../queue/job_input.ts";
import { submitWithoutState } from "../queue/journal_submit.ts";
import { type CommandContext, type CommandSpec, type OptionValues, usageError } from "./command.ts";
import {
  givenJobOptions,
  inOptionTerms,
  JOB_OPTION_SPECS,
  jobFromOptions,
  jobOptionField,
  shown,
} from "./job_options.ts";

/** Most jobs one `enqueue --file` may add. */
export const MAX_BATCH_JOBS = 1_000_000;
/** Largest `enqueue --file` input, in bytes. */
export const MAX_BATCH_BYTES = 512 * 1024 * 1024;

export const enqueueCommand: CommandSpec = {
  name: ["enqueue"],
  args: "['<json>']",
  rest: {
    name: "<command…>",
    summary: "add a job without writing JSON: the words after -- are its command",
  },
  summary: "add a job (or many with --file); prints the new ids",
  details: `Without JSON, the words after -- are the command, joined with single spaces and run by
sh -c. Quoting and expansion are your shell's: quote what the job's own shell should expand, as
in 'echo $HOME && date'. The options go before --. JSON fields: id, command (required),
priority, run_at, timeout, max_retries, env, cwd, depends_on, unique_key. A job with depends_on
(--after) waits until those jobs completed; while an unfinished job has the same unique_key
(--unique-key), nothing is added and that job's id is printed.
Examples:
  queuectl enqueue -- make -C ~/src/app test
  queuectl enqueue --priority 5 --timeout 10m --max-retries 1 -- 'echo $HOME && date'
  queuectl enqueue --id report --delay 2h --env LANG=C --cwd ~/src/app -- ./report.sh --full
  queuectl enqueue --run-at 2030-01-01T03:00 -- backup.sh
  queuectl enqueue --after report --unique-key mail-report -- ./mail.sh report.pdf
  queuectl enqueue '{"command":"make -C ~/src/app test","priority":5}'
  queuectl enqueue '{"id":"nightly","command":"backup.sh","run_at":"2026-12-01T02:00:00Z"}'
  printf '%s\\n' '{"command":"true"}' '{"command":"false"}' | queuectl enqueue --file -`,
  options: {
    file: { type: "string", value: "PATH", help: "read one JSON job per line; - for stdin" },
    ...JOB_OPTION_SPECS,
  },
  positionals: [0, Infinity],
  async run(context, args, options, rest) {
    const file = options.file as string | undefined;
    const inputs = rest === undefined
      ? await jsonJobs(context, args, options, file)
      : [plainJob(context, args, options, file, rest)];
    const where = { cwd: context.cwd };
    try {
      if (context.json) {
        const jobs = await context.withStore((store) => store.enqueue(inputs, where));
        context.out.json(file === undefined ? jobs[0] : jobs);
      } else {
        // On the journal, most enqueues need no replay: tried first, without loading the store;
        // one it cannot decide takes the ordinary path at once (not the search again).
        const ids = context.storeUrl === undefined
          ? await submitWithoutState(context.home, inputs, where) ??
            await context.withStore(async (store) =>
              (await store.enqueue(inputs, where)).map((job) => job.id)
            )
          : await context.withStore((store) => store.submit(inputs, where));
        context.out.line(ids.join("\n"));
      }
    } catch (error) {
      // A dependency the queue refused, in the words of the plain form.
      if (rest !== undefined && error instanceof ValidationError) {
        throw inOptionTerms(error, new Map([["depends_on", "after"]]));
      }
      throw error;
    }
    return 0;
  },
};

/** `enqueue '<json>'` or `enqueue --file PATH`: exactly one of them. */
async function jsonJobs(
  context: CommandContext,
  args: string[],
  options: OptionValues,
  file: string | undefined,
): Promise<JobInput[]> {
  const first = args[0];
  if (first !== undefined && !first.trimStart().startsWith("{")) {
    const command = args.join(" ");
    throw usageError(
      enqueueCommand,
      `${shown(command)} is not a JSON object; for a command, put it after "--": ` +
        `queuectl enqueue -- ${command.length > 40 ? `${command.slice(0, 37)}...` : command}`,
    );
  }
  const [flag] = givenJobOptions(options);
  if (flag !== undefined) {
    throw usageError(
      enqueueCommand,
      `Option --${flag} goes with "-- <command…>"; in JSON, give the field "${
        jobOptionField(flag)
      }"`,
    );
  }
  if (first === undefined && file === undefined) {
    throw usageError(enqueueCommand, `Missing the job: '<json>', --file PATH or -- <command…>`);
  }
  if (first !== undefined && file !== undefined) {
    throw usageError(enqueueCommand, `Give the job as '<json>' or with --file, not both`);
  }
  if (args.length > 1) throw usageError(enqueueCommand, `Unexpected argument ${shown(args[1]!)}`);
  const inputs = first === undefined ? await readBatch(context, file!) : [parseJobJson(first)];
  checkDirectories(inputs, context.cwd);
  return inputs;
}

/** `enqueue [options] -- <command…>`: one job built from options, validated as JSON would be. */
function plainJob(
  context: CommandContext,
  args: string[],
  options: OptionValues,
  file: string | undefined,
  words: string[],
): JobInput {
  if (file !== undefined) {
    throw usageError(enqueueCommand, `Give the job with --file or after "--", not both`);
  }
  if (args.length > 0) {
    throw usageError(enqueueCommand, `Unexpected argument ${shown(args[0]!)} before "--"`);
  }
  if (words.length === 0) throw usageError(enqueueCommand, `Missing the command after "--"`);
  const input = jobFromOptions(words, options, context.cwd, new Date());
  try {
    checkDirectories([input], context.cwd);
  } catch (error) {
    if (error instanceof ValidationError) throw inOptionTerms(error, new Map([["cwd", "cwd"]]));
    throw error;
  }
  return input;
}

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

/**
 * Checks that every job's directory exists. Sync: a stat takes microseconds, and the async form
 * costs a thread hand-off, a good part of a millisecond in a fresh process.
 */
function checkDirectories(inputs: JobInput[], defaultCwd: string): void {
  const dirs = new Set(inputs.map((input) => input.cwd ?? defaultCwd));
  for (const dir of dirs) {
    let ok = false;
    try {
      ok = Deno.statSync(dir).isDirectory;
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

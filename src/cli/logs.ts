/**
 * `queuectl logs <id> [--attempt N] [--follow]`: a job's captured stdout and stderr.
 * @module
 */

import { QueueError, ValidationError } from "../errors.ts";
import { attemptLogPath } from "../home/layout.ts";
import { checkPrivatePath } from "../home/trust.ts";
import { sleep } from "../platform/timers.ts";
import type { Job, QueueStore } from "../queue/mod.ts";
import { type CommandSpec, integerOption } from "./command.ts";

const FOLLOW_POLL_MS = 100;

export const logsCommand: CommandSpec = {
  name: ["logs"],
  args: "<id>",
  summary: "the captured output of a job's latest (or N-th) attempt",
  details: `Output of attempt N is kept in <home>/logs/<id>/<N>.log (with --store, its last 1 MiB
also in the database, so logs works from any machine).
Examples:
  queuectl logs build-42
  queuectl logs build-42 --attempt 1
  queuectl logs build-42 --follow
  queuectl logs build-42 --json | jq -r .log   # {"id", "attempt", "log"}; not with --follow`,
  options: {
    attempt: { type: "string", short: "a", value: "N", help: "which attempt (default: latest)" },
    follow: { type: "boolean", short: "f", help: "keep printing while the attempt runs" },
  },
  positionals: [1, 1],
  async run(context, args, options) {
    const id = args[0]!;
    const wanted = integerOption(options, "attempt", 1);
    if (context.json && options.follow === true) {
      throw new ValidationError("Option --follow cannot be used with --json");
    }
    return await context.withStore(async (store) => {
      let job = await store.getJob(id);
      if (
        wanted !== undefined && wanted > Math.max(job.attempts, job.history.at(-1)?.attempt ?? 0)
      ) {
        throw new ValidationError(
          `Job "${id}" has no attempt ${wanted} (it has run ${job.attempts} time(s))`,
        );
      }
      if (options.follow === true && wanted === undefined) {
        while (job.attempts === 0 && job.state === "pending") {
          await sleep(FOLLOW_POLL_MS);
          job = await store.getJob(id);
        }
      }
      const attempt = wanted ?? job.history.at(-1)?.attempt ?? job.attempts;
      if (attempt === 0) {
        // Not a failure (exit 1 is for I/O) nor bad usage: there is just nothing yet.
        context.out.note(`Job "${id}" has not run yet: no output`);
        return 0;
      }
      const path = attemptLogPath(context.home, id, attempt);
      await checkPrivatePath(path, context.home); // never read through a symbolic link
      const source: LogSource = { store, path, id, attempt };
      if (context.json) {
        const log = await readAll(source);
        context.out.json({ id, attempt, log: new TextDecoder().decode(log) });
      } else if (options.follow === true) await follow(source);
      else if ((await copyFrom(source, 0)) === undefined) throw noOutput(id, attempt);
      return 0;
    });
  },
};

/**
 * Where a run's output is: its log file, when the run was on a worker of this home (the whole
 * output); else the store, when it keeps logs (the last 1 MiB, from any machine).
 */
interface LogSource {
  store: QueueStore;
  path: string;
  id: string;
  attempt: number;
}

function noOutput(id: string, attempt: number): QueueError {
  return new QueueError(`No output kept for job "${id}" attempt ${attempt}`);
}

/** A whole log, for `--json` (bytes that are not UTF-8 become U+FFFD when decoded). */
async function readAll(source: LogSource): Promise<Uint8Array> {
  try {
    return await Deno.readFile(source.path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const stored = await source.store.readLog(source.id, source.attempt);
  if (stored === undefined) throw noOutput(source.id, source.attempt);
  return stored.data;
}

/**
 * Copies a run's output from byte `offset` on to stdout.
 * @returns The offset reached, or `undefined` if no output is kept anywhere (yet).
 */
async function copyFrom(source: LogSource, offset: number): Promise<number | undefined> {
  const fromFile = await copyFile(source.path, offset);
  if (fromFile !== undefined) return fromFile;
  const stored = await source.store.readLog(source.id, source.attempt, offset);
  if (stored === undefined) return undefined;
  if (stored.start > offset) {
    const skipped = `queuectl: ${
      stored.start - offset
    } earlier byte(s) of this output are not kept\n`;
    await Deno.stderr.write(new TextEncoder().encode(skipped));
  }
  await writeAll(stored.data);
  return stored.start + stored.data.length;
}

async function writeAll(data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) written += await Deno.stdout.write(data.subarray(written));
}

/** Copies a log file from `offset` on; `undefined` if there is no such file. */
async function copyFile(path: string, offset: number): Promise<number | undefined> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  try {
    await file.seek(offset, Deno.SeekMode.Start);
    const buffer = new Uint8Array(64 * 1024);
    for (;;) {
      const n = await file.read(buffer);
      if (n === null || n === 0) break;
      await writeAll(buffer.subarray(0, n));
      offset += n;
    }
    return offset;
  } finally {
    file.close();
  }
}

async function follow(source: LogSource): Promise<void> {
  let offset = 0;
  const running = (job: Job) =>
    job.state === "processing" && job.history.at(-1)?.attempt === source.attempt;
  for (;;) {
    const job = await source.store.getJob(source.id);
    offset = (await copyFrom(source, offset)) ?? offset;
    if (!running(job)) break;
    await sleep(FOLLOW_POLL_MS);
  }
  // The worker sends its last output before it records the run's end: this read has it all.
  await copyFrom(source, offset);
}

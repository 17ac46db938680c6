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
  details: `Output of attempt N is kept in <home>/logs/<id>/<N>.log.
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
      if (context.json) context.out.json({ id, attempt, log: await readLog(path, id, attempt) });
      else if (options.follow === true) await follow(store, id, attempt, path);
      else await copyToStdout(path, 0, id, attempt);
      return 0;
    });
  },
};

/** A whole log as text (bytes that are not UTF-8 become U+FFFD), for `--json`. */
async function readLog(path: string, id: string, attempt: number): Promise<string> {
  try {
    return new TextDecoder().decode(await Deno.readFile(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new QueueError(`No output kept for job "${id}" attempt ${attempt}`);
    }
    throw error;
  }
}

async function copyToStdout(
  path: string,
  offset: number,
  id: string,
  attempt: number,
): Promise<number> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      if (offset > 0) return offset;
      throw new QueueError(`No output kept for job "${id}" attempt ${attempt}`);
    }
    throw error;
  }
  try {
    await file.seek(offset, Deno.SeekMode.Start);
    const buffer = new Uint8Array(64 * 1024);
    for (;;) {
      const n = await file.read(buffer);
      if (n === null || n === 0) break;
      let written = 0;
      while (written < n) written += await Deno.stdout.write(buffer.subarray(written, n));
      offset += n;
    }
    return offset;
  } finally {
    file.close();
  }
}

async function follow(store: QueueStore, id: string, attempt: number, path: string): Promise<void> {
  let offset = 0;
  const running = (job: Job) =>
    job.state === "processing" && job.history.at(-1)?.attempt === attempt;
  for (;;) {
    const job = await store.getJob(id);
    offset = await copyFollowing(path, offset);
    if (!running(job)) break;
    await sleep(FOLLOW_POLL_MS);
  }
  await copyFollowing(path, offset);
}

async function copyFollowing(path: string, offset: number): Promise<number> {
  try {
    await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return offset;
    throw error;
  }
  return await copyToStdout(path, offset, "", 0);
}

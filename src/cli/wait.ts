/**
 * `queuectl wait [<id>…] [--timeout S]`: block until jobs are completed, dead or canceled.
 * Exit 0 if all completed, 1 if any is dead or canceled, 124 on timeout. On a terminal, a live progress line
 * on stderr shows how far it is; piped or with `--json`, only the result is printed.
 * @module
 */

import { NotFoundError, WaitTimeoutError } from "../errors.ts";
import { clampTimerMs, sleep } from "../platform/timers.ts";
import { parseDuration } from "../queue/duration.ts";
import { isTerminal, type Job, type QueueStore } from "../queue/mod.ts";
import { Wakeup } from "../worker/mod.ts";
import { type CommandSpec, secondsOption } from "./command.ts";
import { LiveLine } from "./live_line.ts";
import { formatSpan } from "./time_format.ts";

const POLL_MS = 250;
const MIN_CHECK_MS = 50;

/** How far the jobs waited for are. */
export interface Progress {
  /** Jobs waited for. */
  total: number;
  completed: number;
  /** Ids of dead jobs: all of them for given ids, else only once every job is done. */
  dead: string[];
  /** Dead jobs. */
  deadCount: number;
  /** Ids of canceled jobs, listed as dead ones are. */
  canceled: string[];
  canceledCount: number;
  /** Jobs not finished: neither completed, dead nor canceled. */
  open: number;
  running: number;
  /** Jobs waiting for a retry. */
  failed: number;
}

/**
 * How long the rest may take, from the pace since waiting began.
 * @param doneAtStart Jobs done (completed or dead) when waiting began.
 * @param progress Where they are now.
 * @param elapsedMs Time since waiting began.
 * @returns Milliseconds, or `undefined` until a job has finished.
 */
export function estimateRest(
  doneAtStart: number,
  progress: Progress,
  elapsedMs: number,
): number | undefined {
  const finished = progress.total - progress.open - doneAtStart;
  return finished > 0 ? progress.open * elapsedMs / finished : undefined;
}

/**
 * The live progress line.
 * @param progress Where the jobs are.
 * @param elapsedMs Time since waiting began.
 * @param restMs The estimate of the rest, if any.
 * @returns e.g. `waiting: 3/10 done, 2 running, 1 failed, 0 dead; 12s elapsed, about 25s left`.
 */
export function progressLine(
  progress: Progress,
  elapsedMs: number,
  restMs: number | undefined,
): string {
  const done = progress.total - progress.open;
  const rest = restMs === undefined
    ? ""
    : restMs < 1000
    ? ", under 1s left"
    : `, about ${formatSpan(restMs)} left`;
  return `waiting: ${done}/${progress.total} done, ${progress.running} running, ` +
    `${progress.failed} failed, ${progress.deadCount} dead${
      progress.canceledCount > 0 ? `, ${progress.canceledCount} canceled` : ""
    }; ${formatSpan(elapsedMs)} elapsed${rest}`;
}

function finished(job: Pick<Job, "state">): boolean {
  return isTerminal(job.state);
}

async function progressOf(store: QueueStore, ids: string[]): Promise<Progress> {
  const jobs = await Promise.all(ids.map((id) => jobOrDropped(store, id)));
  const dead = jobs.filter((job) => job.state === "dead").map((job) => job.id);
  const canceled = jobs.filter((job) => job.state === "canceled").map((job) => job.id);
  const done = jobs.filter(finished).length;
  return {
    total: jobs.length,
    completed: done - dead.length - canceled.length,
    dead,
    deadCount: dead.length,
    canceled,
    canceledCount: canceled.length,
    open: jobs.length - done,
    running: jobs.filter((job) => job.state === "processing").length,
    failed: jobs.filter((job) => job.state === "failed").length,
  };
}

/**
 * A job waited for. One that existed when waiting began and is gone now was dropped by retention
 * at a compaction, which drops only completed jobs: it counts as completed.
 */
async function jobOrDropped(store: QueueStore, id: string): Promise<Pick<Job, "id" | "state">> {
  try {
    return await store.getJob(id);
  } catch (error) {
    if (error instanceof NotFoundError) return { id, state: "completed" };
    throw error;
  }
}

/** Every job: counts suffice until all are done; only then are dead ones listed. */
async function overall(store: QueueStore): Promise<Progress> {
  const counts = await store.countJobs();
  const open = counts.pending + counts.waiting + counts.processing + counts.failed;
  const listed = async (state: "dead" | "canceled") =>
    open === 0 && counts[state] > 0 ? (await store.listJobs({ state })).map((job) => job.id) : [];
  return {
    total: counts.total,
    completed: counts.completed,
    dead: await listed("dead"),
    deadCount: counts.dead,
    canceled: await listed("canceled"),
    canceledCount: counts.canceled,
    open,
    running: counts.processing,
    failed: counts.failed,
  };
}

export const waitCommand: CommandSpec = {
  name: ["wait"],
  args: "[<id>...]",
  summary: "block until the given jobs (or all jobs) are completed, dead or canceled",
  details: `Exit status: 0 all completed, 1 some dead or canceled, 124 timed out, 3 unknown id.
Examples:
  id=$(queuectl enqueue '{"command":"make"}') && queuectl wait "$id"
  queuectl wait --timeout 10m`,
  options: {
    timeout: { type: "string", short: "t", value: "S", help: "give up after S seconds (exit 124)" },
  },
  positionals: [0, Infinity],
  async run(context, args, options) {
    const timeout = secondsOption(options, "timeout", parseDuration);
    const started = Date.now();
    const deadline = timeout === undefined ? Infinity : started + timeout * 1000;
    return await context.withStore(async (store) => {
      for (const id of args) await store.getJob(id); // unknown ids fail now, with exit 3
      const wakeup = new Wakeup();
      const watcher = store.watch(() => wakeup.notify());
      const live = context.json ? undefined : LiveLine.onStderr();
      let doneAtStart: number | undefined;
      try {
        for (;;) {
          const checked = Date.now();
          const progress = args.length > 0 ? await progressOf(store, args) : await overall(store);
          doneAtStart ??= progress.total - progress.open;
          if (progress.open === 0) {
            live?.clear();
            if (context.json) {
              context.out.json({
                completed: progress.completed,
                dead: progress.dead,
                canceled: progress.canceled,
              });
            } else {
              const canceled = progress.canceledCount > 0
                ? `, ${progress.canceledCount} canceled`
                : "";
              context.out.note(
                `${progress.completed} completed, ${progress.deadCount} dead${canceled}`,
              );
            }
            return progress.deadCount + progress.canceledCount > 0 ? 1 : 0;
          }
          const elapsed = Date.now() - started;
          live?.show(progressLine(progress, elapsed, estimateRest(doneAtStart, progress, elapsed)));
          const left = deadline - Date.now();
          if (left <= 0) {
            throw new WaitTimeoutError(
              `Timed out after ${timeout}s with ${progress.open} job(s) unfinished`,
            );
          }
          // Busy queues change the journal hundreds of times a second: look at most every
          // MIN_CHECK_MS, so waiting costs the workers next to nothing.
          await wakeup.sleep(clampTimerMs(Math.min(POLL_MS, left)));
          const since = Date.now() - checked;
          if (since < MIN_CHECK_MS) await sleep(MIN_CHECK_MS - since);
        }
      } finally {
        live?.clear();
        watcher.close();
      }
    });
  },
};

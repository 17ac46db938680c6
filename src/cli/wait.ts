/**
 * `queuectl wait [<id>…] [--timeout S]`: block until jobs are completed or dead.
 * Exit 0 if all completed, 1 if any is dead, 124 on timeout.
 * @module
 */

import { WaitTimeoutError } from "../errors.ts";
import { clampTimerMs, sleep } from "../platform/timers.ts";
import { parseDuration } from "../queue/duration.ts";
import type { Job, QueueStore } from "../queue/mod.ts";
import { Wakeup, watchJournal } from "../worker/mod.ts";
import { type CommandSpec, secondsOption } from "./command.ts";

const POLL_MS = 250;
const MIN_CHECK_MS = 50;

interface Progress {
  completed: number;
  dead: string[];
  open: number;
}

function finished(job: Job): boolean {
  return job.state === "completed" || job.state === "dead";
}

async function progressOf(store: QueueStore, ids: string[]): Promise<Progress> {
  const jobs = await Promise.all(ids.map((id) => store.getJob(id)));
  const dead = jobs.filter((job) => job.state === "dead").map((job) => job.id);
  const done = jobs.filter(finished).length;
  return { completed: done - dead.length, dead, open: jobs.length - done };
}

/** Every job: counts suffice until all are done; only then are dead ones listed. */
async function overall(store: QueueStore): Promise<Progress> {
  const counts = await store.countJobs();
  const open = counts.pending + counts.processing + counts.failed;
  const dead = open === 0 && counts.dead > 0
    ? (await store.listJobs({ state: "dead" })).map((job) => job.id)
    : [];
  return { completed: counts.completed, dead, open };
}

export const waitCommand: CommandSpec = {
  name: ["wait"],
  args: "[<id>...]",
  summary: "block until the given jobs (or all jobs) are completed or dead",
  details: `Exit status: 0 all completed, 1 some dead, 124 timed out, 3 unknown id.
Examples:
  id=$(queuectl enqueue '{"command":"make"}') && queuectl wait "$id"
  queuectl wait --timeout 10m`,
  options: {
    timeout: { type: "string", short: "t", value: "S", help: "give up after S seconds (exit 124)" },
  },
  positionals: [0, Infinity],
  async run(context, args, options) {
    const timeout = secondsOption(options, "timeout", parseDuration);
    const deadline = timeout === undefined ? Infinity : Date.now() + timeout * 1000;
    return await context.withStore(async (store) => {
      for (const id of args) await store.getJob(id); // unknown ids fail now, with exit 3
      const wakeup = new Wakeup();
      const watcher = watchJournal(context.home, () => wakeup.notify());
      try {
        for (;;) {
          const checked = Date.now();
          const progress = args.length > 0 ? await progressOf(store, args) : await overall(store);
          if (progress.open === 0) {
            if (context.json) {
              context.out.json({ completed: progress.completed, dead: progress.dead });
            } else {
              context.out.note(`${progress.completed} completed, ${progress.dead.length} dead`);
            }
            return progress.dead.length > 0 ? 1 : 0;
          }
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
        watcher.close();
      }
    });
  },
};

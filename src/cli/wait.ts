/**
 * `queuectl wait [<id>…] [--timeout S]`: block until jobs are completed or dead.
 * Exit 0 if all completed, 1 if any is dead, 124 on timeout.
 * @module
 */

import { WaitTimeoutError } from "../errors.ts";
import { parseDuration } from "../queue/duration.ts";
import type { Job } from "../queue/mod.ts";
import { Wakeup, watchJournal } from "../worker/mod.ts";
import { type CommandSpec, secondsOption } from "./command.ts";

const POLL_MS = 250;

function finished(job: Job): boolean {
  return job.state === "completed" || job.state === "dead";
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
          const jobs = args.length > 0
            ? await Promise.all(args.map((id) => store.getJob(id)))
            : await store.listJobs();
          if (jobs.every(finished)) {
            const dead = jobs.filter((job) => job.state === "dead");
            if (context.json) {
              context.out.json({
                completed: jobs.length - dead.length,
                dead: dead.map((job) => job.id),
              });
            } else {
              context.out.note(`${jobs.length - dead.length} completed, ${dead.length} dead`);
            }
            return dead.length > 0 ? 1 : 0;
          }
          const left = deadline - Date.now();
          if (left <= 0) {
            const open = jobs.filter((job) => !finished(job)).length;
            throw new WaitTimeoutError(
              `Timed out after ${timeout}s with ${open} job(s) unfinished`,
            );
          }
          await wakeup.sleep(Math.min(POLL_MS, left));
        }
      } finally {
        watcher.close();
      }
    });
  },
};

/**
 * `queuectl worker stop [--timeout S] [--now]`: ask every worker to stop and wait until they have.
 * @module
 */

import { QueueError } from "../errors.ts";
import { parseDuration } from "../queue/duration.ts";
import { hostName, killOrphanedRun, localLivenessProbe } from "../worker/mod.ts";
import { type CommandSpec, secondsOption } from "./command.ts";

export const workerStopCommand: CommandSpec = {
  name: ["worker", "stop"],
  summary: "stop all workers gracefully (running jobs finish) and wait for them to exit",
  details: `With --now, running jobs are killed (their whole process group) and go back to pending
without counting the attempt. Without --timeout it waits as long as running jobs take.
Examples:
  queuectl worker stop
  queuectl worker stop --timeout 30
  queuectl worker stop --now`,
  options: {
    timeout: { type: "string", value: "S", help: "give up waiting after S seconds (exit 1)" },
    now: { type: "boolean", help: "kill running jobs and requeue them" },
  },
  positionals: [0, 0],
  async run(context, _args, options) {
    const timeout = secondsOption(options, "timeout", parseDuration);
    const mode = options.now === true ? "now" : "drain";
    return await context.withStore(async (store) => {
      const workers = await store.requestStop(mode);
      if (workers.length === 0) {
        if (!context.json) context.out.note("No workers are running");
        else context.out.json({ stopped: [] });
        return 0;
      }
      const host = hostName();
      const probe = localLivenessProbe(host);
      const isThatWorker = localLivenessProbe(host, Date.now, true);
      for (const worker of workers) {
        // Only a process that is that worker (its pid, started when it registered): a dead
        // worker's pid may belong to any other process by now.
        if (worker.host !== host || (await isThatWorker(worker)) !== true) continue;
        try {
          Deno.kill(worker.pid, "SIGTERM");
        } catch {
          // Gone already: recovery below marks it lost.
        }
      }
      if (!context.json) {
        context.out.note(`Stopping ${workers.length} worker(s)${mode === "now" ? " now" : ""}...`);
      }
      const ids = new Set(workers.map((w) => w.id));
      const deadline = timeout === undefined ? Infinity : Date.now() + timeout * 1000;
      for (;;) {
        await store.recoverLostWorkers({
          probe,
          releaseRun: async (job, worker) => {
            await killOrphanedRun(job, worker);
          },
        });
        const remaining = (await store.listWorkers()).filter((w) =>
          ids.has(w.id) && (w.status === "running" || w.status === "stopping")
        );
        if (remaining.length === 0) break;
        if (Date.now() > deadline) {
          throw new QueueError(
            `${remaining.length} worker(s) still running after ${timeout}s: ` +
              `${remaining.map((w) => w.id).join(", ")}; use "queuectl worker stop --now"`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      if (context.json) context.out.json({ stopped: [...ids] });
      else context.out.line(`stopped ${ids.size} worker(s)`);
      return 0;
    });
  },
};

/**
 * `queuectl worker start [--count P] [--concurrency N] [--foreground]`: start worker processes,
 * each running up to N jobs at once.
 * @module
 */

import { QueueError, ValidationError } from "../errors.ts";
import { ensureHome } from "../journal/home_dir.ts";
import { spawnWorkers, type StartedWorker, waitUntilRunning } from "../worker/mod.ts";
import { type CommandSpec, integerOption } from "./command.ts";
import { queueList } from "./queue.ts";
import { workerViews } from "./worker_views.ts";

/** Most workers one command starts. */
export const MAX_WORKERS = 256;
/** Most jobs one worker process runs at once. */
export const MAX_SLOTS = 256;

export const workerStartCommand: CommandSpec = {
  name: ["worker", "start"],
  summary: "start N worker processes; returns once they run (or stay attached: --foreground)",
  details: `Each worker process runs up to --concurrency jobs at once (default 1), so --count 2
--concurrency 4 runs up to 8 jobs with two processes: one heartbeat and one journal handle per
process, a few MiB per extra job instead of a whole process.
Detached workers log to <home>/workers/<id>.log. With --foreground, Ctrl-C (or SIGTERM)
stops them gracefully: running jobs finish. A second Ctrl-C kills running jobs and requeues them.
Examples:
  queuectl worker start --count 4
  queuectl worker start --concurrency 8
  queuectl worker start --foreground`,
  options: {
    count: {
      type: "string",
      short: "n",
      value: "P",
      help: "how many worker processes (default 1)",
    },
    concurrency: {
      type: "string",
      short: "c",
      value: "N",
      help: "jobs at once in each worker process (default 1)",
    },
    queue: {
      type: "string",
      short: "q",
      value: "Q,…",
      help: "claim only from these queues (default: every queue)",
    },
    foreground: { type: "boolean", help: "stay attached; stop gracefully on Ctrl-C / SIGTERM" },
  },
  positionals: [0, 0],
  async run(context, _args, options) {
    const count = integerOption(options, "count", 1) ?? 1;
    const queues = options.queue === undefined ? undefined : queueList(options.queue as string);
    if (count > MAX_WORKERS) throw new QueueError(`At most ${MAX_WORKERS} workers per command`);
    const slots = integerOption(options, "concurrency", 1) ?? 1;
    if (slots > MAX_SLOTS) {
      throw new ValidationError(`Option --concurrency must be at most ${MAX_SLOTS}, got ${slots}`);
    }
    const home = context.home;
    const foreground = options.foreground === true;
    // Open the store first: a bad home or a corrupt journal fails here, before any spawn.
    return await context.withStore(async (store) => {
      // The journal store made the home when it opened; a PostgreSQL one does not, and workers
      // keep their logs and their jobs' logs there.
      if (context.storeUrl !== undefined) await ensureHome(home);
      // In the foreground, listen before spawning: a Ctrl-C during start-up must reach workers.
      let interrupts = 0;
      let missed: Deno.Signal[] = [];
      let workers: StartedWorker[] = [];
      let registered = false;
      // SIGTERM, and a first Ctrl-C, drain; only a second Ctrl-C stops now.
      const forward = (received: Deno.Signal) => {
        // A worker handles signals once registered; before that, SIGTERM would just kill it.
        if (!registered) return void missed.push(received);
        const now = received === "SIGINT" && ++interrupts > 1;
        if (received === "SIGINT") {
          context.out.note(
            now
              ? "Stopping now: running jobs are killed and go back to pending"
              : "Draining: running jobs finish first; press Ctrl-C again to stop now",
          );
        }
        for (const worker of workers) {
          try {
            Deno.kill(worker.pid, now ? "SIGINT" : "SIGTERM");
          } catch {
            // Already gone.
          }
        }
      };
      const onInt = () => forward("SIGINT");
      const onTerm = () => forward("SIGTERM");
      const listeners: [Deno.Signal, () => void][] = [["SIGINT", onInt], ["SIGTERM", onTerm]];
      if (foreground) {
        for (const [name, listener] of listeners) Deno.addSignalListener(name, listener);
      }
      try {
        workers = await spawnWorkers(home, count, !foreground, queues, slots);
        try {
          await waitUntilRunning(store, workers);
          registered = true;
        } catch (error) {
          for (const worker of workers) {
            try {
              Deno.kill(worker.pid, "SIGTERM");
            } catch {
              // Already gone.
            }
          }
          throw error;
        }
        if (!foreground) {
          for (const worker of workers) worker.child.unref();
          if (context.json) {
            context.out.json(workers.map((w) => ({ id: w.id, pid: w.pid, log: w.logFile })));
          } else {
            // Starting again adds workers; say so, or they silently stack up.
            const views = await workerViews(await store.listWorkers());
            const running = views.filter((w) => w.status === "running").length;
            context.out.line(`started ${plural(count, "worker")} (${running} running in total)`);
            for (const w of workers) context.out.line(`  ${w.id} (pid ${w.pid})`);
          }
          return 0;
        }
        context.out.note(
          `${count} worker(s) running in the foreground; Ctrl-C stops them gracefully`,
        );
        // Signals that came while the workers were starting are passed on now.
        const early = missed;
        missed = [];
        for (const signal of early) forward(signal);
        const statuses = await Promise.all(workers.map((w) => w.child.status));
        return statuses.every((s) => s.success) ? 0 : 1;
      } finally {
        if (foreground) {
          // A Ctrl-C that comes as the workers end must not turn their clean stop into a death by
          // SIGINT (exit 130): this process exits next, so SIGINT stays caught, and ignored.
          Deno.addSignalListener("SIGINT", ignoreSignal);
          for (const [name, listener] of listeners) Deno.removeSignalListener(name, listener);
        }
      }
    });
  },
};

function ignoreSignal(): void {}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/**
 * `queuectl status`: job counts per state, then the live and lost workers (stopped ones with
 * `--all`), and what will recover a job a lost worker still holds.
 * @module
 */

import { NotFoundError } from "../errors.ts";
import { type Job, JOB_STATES, type QueueStore } from "../queue/mod.ts";
import type { CommandSpec } from "./command.ts";
import type { Output } from "./output.ts";
import { relativeCell } from "./time_format.ts";
import { lostReason, type WorkerStatusView, workerViews } from "./worker_views.ts";

/**
 * What `status` says about a job a lost worker still holds: nothing recovers it until some
 * worker runs (its periodic recovery) or `worker stop` does.
 * @param job The held job.
 * @param worker The lost worker's id.
 * @param reason Why the worker is lost, e.g. `pid 123 gone`.
 * @param running How many workers run now.
 * @returns One line.
 */
export function heldJobNotice(job: Job, worker: string, reason: string, running: number): string {
  const where = job.attempts > job.max_retries
    ? "goes to the dead letter queue (no runs left)"
    : "returns to pending";
  const when = running > 0
    ? "within seconds: a running worker recovers it"
    : "when a worker runs: queuectl worker start";
  return `job ${job.id} is held by lost worker ${worker} (${reason}); it ${where} ${when}`;
}

export const statusCommand: CommandSpec = {
  name: ["status"],
  summary: "job counts per state, then live and lost workers",
  details: `Stopped workers are listed with --all; --json lists every worker.
Examples:
  queuectl status
  queuectl status --all
  queuectl status --json | jq .jobs.dead`,
  options: { all: { type: "boolean", short: "a", help: "list stopped workers too" } },
  positionals: [0, 0],
  async run(context, _args, options) {
    const { counts, entries, views, held, queues } = await context.withStore(async (store) => {
      const summary = await store.summary();
      const views = await workerViews(summary.workers);
      // Jobs lost workers still hold, with their worker's id (the text says what will recover
      // them): every job of a worker that ran several at once.
      const held: [string, Job][] = [];
      for (const view of context.json ? [] : views) {
        if (view.status !== "lost") continue;
        for (const id of view.jobs) {
          const job = await heldJob(store, id);
          if (job?.state === "processing" && job.worker_id === view.id) held.push([view.id, job]);
        }
      }
      const entries = new Map(summary.workers.map((w) => [w.id, w]));
      return { counts: summary.jobs, entries, views, held, queues: summary.queues };
    });
    if (context.json) {
      context.out.json({ jobs: counts, workers: views, queues });
      return 0;
    }
    const out = context.out;
    out.table(
      [...JOB_STATES, "total"],
      [[...JOB_STATES.map((s) => String(counts[s])), String(counts.total)]],
    );
    out.line();
    // Queues only once there is more than the default one, or a setting.
    const named = queues.filter((q) => q.name !== "default" || q.paused || q.concurrency > 0);
    if (named.length > 0) {
      out.table(
        ["QUEUE", "PENDING", "RUNNING", "PAUSED", "CONCURRENCY"],
        queues.map((q) => [
          q.name,
          String(q.pending),
          String(q.processing),
          q.paused ? out.paint("yellow", "paused") : "-",
          q.concurrency === 0 ? "-" : String(q.concurrency),
        ]),
      );
      out.line();
    }
    const all = options.all === true;
    const shown = views.filter((w) => all || w.status !== "stopped");
    const hidden = views.length - shown.length;
    if (shown.length === 0) {
      out.line(
        hidden === 0
          ? "no workers (start some with: queuectl worker start --count 2)"
          : `no workers running (start some with: queuectl worker start --count 2); ${
            stoppedHidden(hidden)
          }`,
      );
      return 0;
    }
    printWorkers(context.out, shown);
    if (hidden > 0) out.line(stoppedHidden(hidden));
    const running = views.filter((w) => w.status === "running").length;
    const notices = held.map(([worker, job]) =>
      heldJobNotice(job, worker, lostReason(entries.get(worker)!), running)
    );
    if (notices.length > 0) out.line();
    for (const notice of notices) out.line(out.paint("yellow", notice));
    return 0;
  },
};

/** The job a worker's entry names, unless it is gone (compacted away since). */
async function heldJob(store: QueueStore, id: string): Promise<Job | undefined> {
  try {
    return await store.getJob(id);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

function stoppedHidden(count: number): string {
  const what = count === 1 ? "1 stopped worker" : `${count} stopped workers`;
  return `${what} not shown (queuectl status --all lists them)`;
}

function printWorkers(out: Output, workers: WorkerStatusView[]): void {
  const now = Date.now();
  out.table(
    ["WORKER", "PID", "STATUS", "STARTED", "HEARTBEAT", "JOB"],
    workers.map((w) => [
      w.id,
      String(w.pid),
      out.state(w.status),
      relativeCell(w.started_at, now),
      relativeCell(w.heartbeat, now),
      jobsCell(w.jobs),
    ]),
  );
}

/** A worker's running jobs for the JOB column: all of them, up to a few, then how many more. */
function jobsCell(jobs: string[]): string {
  if (jobs.length === 0) return "-";
  const shown = jobs.slice(0, MAX_JOBS_SHOWN).join(", ");
  return jobs.length > MAX_JOBS_SHOWN ? `${shown} +${jobs.length - MAX_JOBS_SHOWN} more` : shown;
}

/** A worker running more jobs than this at once shows these and a count. */
const MAX_JOBS_SHOWN = 3;

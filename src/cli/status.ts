/**
 * `queuectl status`: job counts per state, then every known worker.
 * @module
 */

import { JOB_STATES, type WorkerEntry } from "../queue/mod.ts";
import { localLivenessProbe } from "../worker/mod.ts";
import type { CommandSpec } from "./command.ts";
import { timeCell } from "./output.ts";

/** A worker as `status --json` prints it. */
export interface WorkerStatusView {
  id: string;
  pid: number;
  host: string;
  status: string;
  heartbeat: string;
  job: string | null;
  started_at: string;
}

/**
 * How a worker looks right now: one recorded as running whose process is gone shows as `lost`
 * even before another process has recorded it so.
 * @param workers Workers as recorded.
 * @returns Their views.
 */
export async function workerViews(workers: WorkerEntry[]): Promise<WorkerStatusView[]> {
  const probe = localLivenessProbe();
  const views: WorkerStatusView[] = [];
  for (const w of workers) {
    let status: string = w.status;
    if ((status === "running" || status === "stopping") && (await probe(w)) === false) {
      status = "lost";
    }
    views.push({
      id: w.id,
      pid: w.pid,
      host: w.host,
      status,
      heartbeat: w.heartbeat,
      job: w.job,
      started_at: w.started_at,
    });
  }
  return views;
}

export const statusCommand: CommandSpec = {
  name: ["status"],
  summary: "job counts per state, then every worker",
  details: `Examples:
  queuectl status
  queuectl status --json | jq .jobs.dead`,
  options: {},
  positionals: [0, 0],
  async run(context) {
    const { counts, workers } = await context.withStore(async (store) => {
      const summary = await store.summary();
      return { counts: summary.jobs, workers: await workerViews(summary.workers) };
    });
    if (context.json) {
      context.out.json({ jobs: counts, workers });
      return 0;
    }
    const out = context.out;
    out.table(
      [...JOB_STATES, "total"],
      [[...JOB_STATES.map((s) => String(counts[s])), String(counts.total)]],
    );
    out.line();
    if (workers.length === 0) {
      out.line("no workers (start some with: queuectl worker start --count 2)");
      return 0;
    }
    out.table(
      ["WORKER", "PID", "STATUS", "HEARTBEAT", "JOB"],
      workers.map((
        w,
      ) => [w.id, String(w.pid), out.state(w.status), timeCell(w.heartbeat), w.job ?? "-"]),
    );
    return 0;
  },
};

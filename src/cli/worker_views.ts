/**
 * Workers as `status` and `worker start` show them: as recorded, except that a worker recorded
 * as running whose process is gone already shows as `lost`.
 * @module
 */

import type { LivenessProbe, WorkerEntry } from "../queue/mod.ts";
import { localLivenessProbe } from "../worker/mod.ts";

/** A worker as `status --json` prints it. */
export interface WorkerStatusView {
  id: string;
  pid: number;
  host: string;
  status: string;
  heartbeat: string;
  /** The job it started last of those it runs (`jobs` has them all, several with slots). */
  job: string | null;
  jobs: string[];
  started_at: string;
}

/**
 * How workers look right now: one recorded as running or stopping whose process is gone shows as
 * `lost` even before another process has recorded it so. Requires `--allow-run` (the probe may
 * read `/proc` through `cat`).
 * @param workers Workers as recorded.
 * @param probe Tells whether a worker's process is alive (default: by pid, on this host).
 * @returns Their views, in the same order.
 */
export async function workerViews(
  workers: WorkerEntry[],
  probe: LivenessProbe = localLivenessProbe(),
): Promise<WorkerStatusView[]> {
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
      jobs: [...w.jobs],
      started_at: w.started_at,
    });
  }
  return views;
}

/**
 * Why a worker shown as lost is lost, for people.
 * @param entry The worker as recorded.
 * @returns e.g. `pid 123 gone` when only its process is found gone, or the recorded reason.
 */
export function lostReason(entry: WorkerEntry): string {
  if (entry.status === "running" || entry.status === "stopping") return `pid ${entry.pid} gone`;
  return entry.reason ?? `pid ${entry.pid}`;
}

/**
 * Which job a worker claims next: highest priority first, then the earliest due, then the first
 * enqueued (FIFO). The store claims through the heap index (`claim_queue.ts`); `pickNextJob` and
 * `nextDueTime` scan every job and are the specification that index is tested against.
 * @module
 */

import type { StoredJob } from "./job.ts";

/**
 * Orders two claimable jobs: negative when `a` should run before `b`.
 * @param a A job.
 * @param b Another job.
 * @returns A comparator result.
 */
export function compareClaimOrder(a: StoredJob, b: StoredJob): number {
  return b.priority - a.priority || a.dueMs - b.dueMs || a.order - b.order;
}

/**
 * Whether a job can be claimed at `nowMs`: pending or failed, and due.
 * @param job The job.
 * @param nowMs The current time.
 * @returns `true` if a worker may claim it now.
 */
export function isClaimable(job: StoredJob, nowMs: number): boolean {
  return (job.state === "pending" || job.state === "failed") && job.dueMs <= nowMs;
}

/**
 * Picks the job to claim next.
 * @param jobs Every job.
 * @param nowMs The current time.
 * @returns The job, or `undefined` if none is due.
 */
export function pickNextJob(jobs: Iterable<StoredJob>, nowMs: number): StoredJob | undefined {
  let best: StoredJob | undefined;
  for (const job of jobs) {
    if (isClaimable(job, nowMs) && (best === undefined || compareClaimOrder(job, best) < 0)) {
      best = job;
    }
  }
  return best;
}

/**
 * When the next not-yet-due job becomes due, so an idle worker can sleep until then.
 * @param jobs Every job.
 * @param nowMs The current time.
 * @returns Epoch milliseconds, or `undefined` if nothing is waiting.
 */
export function nextDueTime(jobs: Iterable<StoredJob>, nowMs: number): number | undefined {
  let next: number | undefined;
  for (const job of jobs) {
    if ((job.state === "pending" || job.state === "failed") && job.dueMs > nowMs) {
      if (next === undefined || job.dueMs < next) next = job.dueMs;
    }
  }
  return next;
}

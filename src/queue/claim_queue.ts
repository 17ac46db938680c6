/**
 * The index workers claim from: claimable jobs in claim order (highest priority, earliest due,
 * first enqueued), so a claim costs O(log n) instead of a scan of every job. Jobs not yet due
 * wait in a second heap by due time. Entries are checked when they surface, not removed when a
 * job changes: a job is pushed again whenever it becomes claimable, and a stale entry (the job
 * was claimed, finished, or is due at another time now) is dropped then.
 * @module
 */

import { BinaryHeap } from "./binary_heap.ts";
import { compareClaimOrder, isClaimable } from "./claim_order.ts";
import type { StoredJob } from "./job.ts";

interface Entry {
  job: StoredJob;
  dueMs: number;
}

/** Claimable jobs, ready and waiting. */
export class ClaimQueue {
  #waiting = new BinaryHeap<Entry>((a, b) => a.dueMs - b.dueMs);
  #ready = new BinaryHeap<Entry>((a, b) => compareClaimOrder(a.job, b.job));

  /** Records that `job` is claimable (pending or failed) from its `dueMs` on. */
  push(job: StoredJob): void {
    this.#waiting.push({ job, dueMs: job.dueMs });
  }

  /**
   * The job to claim next at `nowMs`, left in place (claiming it changes its state, which retires
   * the entry).
   * @param nowMs The current time.
   * @param current Whether the entry's job is still the job of that id (not dropped or replaced).
   * @returns The job, or `undefined` if none is due.
   */
  peek(nowMs: number, current: (job: StoredJob) => boolean): StoredJob | undefined {
    for (;;) {
      const waiting = this.#waiting.peek();
      if (!waiting || waiting.dueMs > nowMs) break;
      this.#waiting.pop();
      if (this.#valid(waiting, current)) this.#ready.push(waiting);
    }
    for (;;) {
      const top = this.#ready.peek();
      if (!top) return undefined;
      if (this.#valid(top, current) && isClaimable(top.job, nowMs)) return top.job;
      this.#ready.pop();
    }
  }

  /**
   * When the next waiting job becomes due.
   * @param nowMs The current time.
   * @param current As for {@linkcode ClaimQueue.peek}.
   * @returns Epoch milliseconds, or `undefined` if nothing waits.
   */
  nextDue(nowMs: number, current: (job: StoredJob) => boolean): number | undefined {
    this.peek(nowMs, current);
    for (;;) {
      const waiting = this.#waiting.peek();
      if (!waiting) return undefined;
      if (this.#valid(waiting, current)) return waiting.dueMs;
      this.#waiting.pop();
    }
  }

  #valid(entry: Entry, current: (job: StoredJob) => boolean): boolean {
    const job = entry.job;
    return (job.state === "pending" || job.state === "failed") && job.dueMs === entry.dueMs &&
      current(job);
  }
}

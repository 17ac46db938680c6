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

/** Whether a worker may claim from a queue now (allowed to it, not paused, under its cap). */
export type QueueEligibility = (queue: string) => boolean;

/**
 * One {@linkcode ClaimQueue} per named queue. A claim takes the best due job among the queues a
 * worker may claim from, so a paused or full queue is skipped whole and never starves the others;
 * claim order holds within what the worker may claim.
 */
export class QueueClaims {
  #queues = new Map<string, ClaimQueue>();

  /** Records that `job` is claimable from its `dueMs` on, in its queue. */
  push(job: StoredJob): void {
    let queue = this.#queues.get(job.queue);
    if (!queue) this.#queues.set(job.queue, queue = new ClaimQueue());
    queue.push(job);
  }

  /**
   * The job to claim next at `nowMs` among the eligible queues.
   * @param nowMs The current time.
   * @param current Whether an entry's job is still the job of that id.
   * @param eligible Which queues may be claimed from.
   * @returns The job, or `undefined` if none is due there.
   */
  peek(
    nowMs: number,
    current: (job: StoredJob) => boolean,
    eligible: QueueEligibility = () => true,
  ): StoredJob | undefined {
    let best: StoredJob | undefined;
    for (const [name, queue] of this.#queues) {
      if (!eligible(name)) continue;
      const top = queue.peek(nowMs, current);
      if (top && (!best || compareClaimOrder(top, best) < 0)) best = top;
    }
    return best;
  }

  /**
   * When the next job not yet due becomes due, among the eligible queues.
   * @param nowMs The current time.
   * @param current As for {@linkcode QueueClaims.peek}.
   * @param eligible Which queues count.
   * @returns Epoch milliseconds, or `undefined` if nothing waits there.
   */
  nextDue(
    nowMs: number,
    current: (job: StoredJob) => boolean,
    eligible: QueueEligibility = () => true,
  ): number | undefined {
    let next: number | undefined;
    for (const [name, queue] of this.#queues) {
      if (!eligible(name)) continue;
      const due = queue.nextDue(nowMs, current);
      if (due !== undefined && (next === undefined || due < next)) next = due;
    }
    return next;
  }
}

/**
 * What a job's end means for the jobs that depend on it, decided in the same transaction: a
 * completed job makes waiting dependents whose other dependencies completed `ready`; a dead or
 * canceled job cancels its waiting dependents, down the chain; a retried job brings back the jobs
 * its end canceled, except that one still held by another dead or canceled dependency is canceled
 * again at once, naming that one. Pure: it reads the state as it was before the transaction and the
 * outcomes already decided in it, and returns records.
 * @module
 */

import type { JobState } from "./job.ts";
import {
  type CancelRecord,
  cancelRecord,
  type ReadyRecord,
  readyRecord,
  type RetryRecord,
  retryRecord,
} from "./records.ts";
import type { QueueState } from "./state.ts";

/** The records that follow from the outcomes of one transaction. */
export class Consequences {
  #state: QueueState;
  #at: string;
  /** States decided in this transaction, not yet applied. */
  #decided = new Map<string, JobState>();
  /** For jobs canceled in this transaction by a dependency: the job whose end began it. */
  #roots = new Map<string, string>();
  /** Unique keys taken by jobs brought back in this transaction. */
  #keys = new Map<string, string>();
  readonly records: (CancelRecord | ReadyRecord | RetryRecord)[] = [];

  constructor(state: QueueState, at: string) {
    this.#state = state;
    this.#at = at;
  }

  /**
   * Takes a job's unique key for it as it runs again, unless another unfinished job holds it (now,
   * or since earlier in this transaction).
   * @param job The job coming back.
   * @returns The holder that keeps the key, or `undefined` when the key is the job's (or it has none).
   */
  takeKey(job: { id: string; unique_key: string | null }): string | undefined {
    if (job.unique_key === null) return undefined;
    const holder = this.#keys.get(job.unique_key) ?? this.#state.uniqueKeys.get(job.unique_key);
    if (holder !== undefined && holder !== job.id) return holder;
    this.#keys.set(job.unique_key, job.id);
    return undefined;
  }

  /** A job's state once this transaction is applied. */
  stateOf(id: string): JobState | undefined {
    return this.#decided.get(id) ?? this.#state.jobs.get(id)?.state;
  }

  /**
   * Records that a job ends this transaction in `to`, and adds what follows for its dependents.
   * @param id The job.
   * @param to Its new state.
   */
  ended(id: string, to: JobState): void {
    this.#decided.set(id, to);
    if (to === "completed") this.#readyDependents(id);
    else if (to === "dead" || to === "canceled") this.#cancelDependents(id, id);
  }

  /**
   * Records that jobs run again (retry), and brings back the jobs their ends canceled. One that
   * another dependency still holds (dead or canceled, and not retried here) is canceled again
   * at once, naming that one, so that a retry of that one brings it back.
   * @param jobs Each retried job and its new state, `pending` or `waiting`.
   */
  revived(jobs: ReadonlyMap<string, JobState>): void {
    // All first: a job retried here does not hold back a dependent of another one retried here.
    for (const [id, to] of jobs) this.#decided.set(id, to);
    // In enqueue order, a job's dependencies are decided before it.
    const canceled = [...this.#state.jobs.values()]
      .filter((job) =>
        job.state === "canceled" && job.canceled_by !== null && jobs.has(job.canceled_by) &&
        !this.#decided.has(job.id)
      )
      .sort((a, b) => a.order - b.order);
    for (const job of canceled) {
      // Its unique key is another unfinished job's now: it stays canceled (and so do the jobs
      // waiting for it, canceled again below as held by it).
      if (this.takeKey(job) !== undefined) continue;
      // Something it waits for, at least the retried job, is not completed: it waits again.
      this.#decided.set(job.id, "waiting");
      this.records.push(retryRecord(this.#at, job.id, true, job.canceled_by!));
      const holder = job.depends_on.find((dependency) => {
        const state = this.stateOf(dependency);
        return state === "dead" || state === "canceled";
      });
      if (holder === undefined) continue;
      const root = this.#rootOf(holder);
      this.#decided.set(job.id, "canceled");
      this.#roots.set(job.id, root);
      this.records.push(
        cancelRecord(this.#at, job.id, `dependency ${holder} is ${this.stateOf(holder)}`, root),
      );
    }
  }

  /** Whether every dependency of these is completed (or decided so in this transaction). */
  allCompleted(dependencies: Iterable<string>): boolean {
    for (const dependency of dependencies) {
      const state = this.stateOf(dependency);
      // A dependency no longer in the queue completed: only completed jobs are dropped
      // (retention, at compaction), and a dependency had to exist when its dependent came.
      if (state !== undefined && state !== "completed") return false;
    }
    return true;
  }

  /** The job whose retry brings back the dependents of this dead or canceled one. */
  #rootOf(id: string): string {
    const decided = this.#roots.get(id);
    if (decided !== undefined) return decided;
    const job = this.#state.jobs.get(id);
    return this.#decided.has(id) || job?.state !== "canceled" ? id : job.canceled_by ?? id;
  }

  #readyDependents(id: string): void {
    for (const dependentId of this.#state.dependents.get(id) ?? []) {
      const dependent = this.#state.jobs.get(dependentId);
      if (!dependent || this.stateOf(dependentId) !== "waiting") continue;
      if (!this.allCompleted(dependent.depends_on)) continue;
      this.#decided.set(dependentId, "pending");
      this.records.push(readyRecord(this.#at, dependentId, id));
    }
  }

  #cancelDependents(first: string, root: string): void {
    // An explicit stack, not recursion: a chain may be thousands of jobs long.
    const stack = [first];
    while (stack.length > 0) {
      const id = stack.pop()!;
      const state = this.stateOf(id);
      const dependents = [...(this.#state.dependents.get(id) ?? [])];
      for (const dependentId of dependents.reverse()) {
        if (this.stateOf(dependentId) !== "waiting") continue;
        this.#decided.set(dependentId, "canceled");
        this.#roots.set(dependentId, root);
        this.records.push(
          cancelRecord(this.#at, dependentId, `dependency ${id} is ${state}`, root),
        );
        stack.push(dependentId);
      }
    }
  }
}

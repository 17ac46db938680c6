/**
 * What a job's end means for the jobs that depend on it, decided in the same transaction: a
 * completed job makes waiting dependents whose other dependencies completed `ready`; a dead or
 * canceled job cancels its waiting dependents, down the chain; a retried job brings back the jobs
 * its end canceled. Pure: it reads the state as it was before the transaction and the outcomes
 * already decided in it, and returns records.
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
  readonly records: (CancelRecord | ReadyRecord | RetryRecord)[] = [];

  constructor(state: QueueState, at: string) {
    this.#state = state;
    this.#at = at;
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
   * Records that a job runs again (retry), and brings back the jobs its end canceled.
   * @param id The job.
   * @param to `pending` or `waiting`.
   */
  revived(id: string, to: JobState): void {
    this.#decided.set(id, to);
    for (const job of this.#state.jobs.values()) {
      if (job.state !== "canceled" || job.canceled_by !== id || this.#decided.has(job.id)) continue;
      // Something it waits for, at least the retried job, is not completed: it waits again.
      this.#decided.set(job.id, "waiting");
      this.records.push(retryRecord(this.#at, job.id, true, id));
    }
  }

  /** Whether every dependency of these is completed (or decided so in this transaction). */
  allCompleted(dependencies: Iterable<string>): boolean {
    for (const dependency of dependencies) {
      if (this.stateOf(dependency) !== "completed") return false;
    }
    return true;
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

  #cancelDependents(id: string, root: string): void {
    const state = this.stateOf(id);
    for (const dependentId of this.#state.dependents.get(id) ?? []) {
      if (this.stateOf(dependentId) !== "waiting") continue;
      this.#decided.set(dependentId, "canceled");
      this.records.push(
        cancelRecord(this.#at, dependentId, `dependency ${id} is ${state}`, root),
      );
      this.#cancelDependents(dependentId, root);
    }
  }
}

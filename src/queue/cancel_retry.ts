/**
 * `cancel` and `retry` as records, decided on the fresh state: every id is checked before any is
 * changed (unknown → exit 3, a state it does not apply to → exit 2), and what follows for the jobs
 * that depend on them is part of the same transaction. Pure.
 * @module
 */

import { NotFoundError, ValidationError } from "../errors.ts";
import { Consequences } from "./consequences.ts";
import type { JobState, StoredJob } from "./job.ts";
import { cancelRecord, type QueueRecord, retryRecord } from "./records.ts";
import type { QueueState } from "./state.ts";
import type { CancelReport, RetriedJob } from "./store.ts";

const CANCELABLE: readonly JobState[] = ["pending", "waiting", "failed", "processing"];

/**
 * The records of a cancel of `ids`.
 * @param state The fresh state.
 * @param ids The jobs (duplicates are ignored).
 * @param at The time (ISO 8601).
 * @returns The records and what they do.
 * @throws {NotFoundError} for an unknown id; {@linkcode ValidationError} for a finished job.
 */
export function planCancel(
  state: QueueState,
  ids: string[],
  at: string,
): { records: QueueRecord[]; report: CancelReport } {
  const jobs = checkedJobs(state, ids, CANCELABLE, "canceled");
  const effects = new Consequences(state, at);
  const records: QueueRecord[] = [];
  const report: CancelReport = { canceled: [], stopping: [] };
  for (const job of jobs) {
    const now = effects.stateOf(job.id);
    if (now === "canceled") continue; // a dependent of one canceled just before
    records.push(cancelRecord(at, job.id, "canceled"));
    if (job.state === "processing") {
      report.stopping.push(job.id);
    } else {
      effects.ended(job.id, "canceled");
      report.canceled.push(job.id);
    }
  }
  for (const record of effects.records) {
    if (record.op === "cancel") report.canceled.push(record.id);
  }
  return { records: [...records, ...effects.records], report };
}

/**
 * The records of a retry of `ids`: each back to pending (or waiting while a dependency has not
 * completed), attempts reset, and the jobs its end canceled back to waiting.
 * @param state The fresh state.
 * @param ids The jobs (duplicates are ignored).
 * @param at The time (ISO 8601).
 * @param from The states a retry applies to here (`dlq retry`: only dead).
 * @returns The records, and every job brought back (dependents included) with its new state.
 * @throws {NotFoundError} for an unknown id; {@linkcode ValidationError} for a job in another
 *   state, a dependency that is dead or canceled, or a unique key another job holds now.
 */
export function planRetry(
  state: QueueState,
  ids: string[],
  at: string,
  from: readonly JobState[] = ["dead", "canceled", "completed"],
): { records: QueueRecord[]; revived: RetriedJob[] } {
  const jobs = checkedJobs(state, ids, from, "retried");
  const targets = new Set(jobs.map((job) => job.id));
  const effects = new Consequences(state, at);
  const records: QueueRecord[] = [];
  const decided = new Map<string, JobState>();
  for (const job of jobs) {
    let waiting = false;
    for (const dependency of job.depends_on) {
      const dependencyState = state.jobs.get(dependency)?.state;
      if (
        targets.has(dependency) ||
        (dependencyState !== undefined && dependencyState !== "completed")
      ) {
        waiting = true;
      }
      if (
        !targets.has(dependency) && (dependencyState === "dead" || dependencyState === "canceled")
      ) {
        throw new ValidationError(
          `Job "${job.id}" depends on "${dependency}", which is ${dependencyState}: retry "${dependency}" too`,
        );
      }
    }
    const holder = job.unique_key === null ? undefined : state.uniqueKeys.get(job.unique_key);
    if (holder !== undefined && holder !== job.id) {
      throw new ValidationError(
        `Job "${job.id}" cannot run again while job "${holder}" holds its unique key "${job.unique_key}"`,
      );
    }
    records.push(retryRecord(at, job.id, waiting));
    decided.set(job.id, waiting ? "waiting" : "pending");
  }
  effects.revived(decided);
  const revived: RetriedJob[] = [...decided].map(([id, to]) => ({
    id,
    state: to === "waiting" ? "waiting" : "pending",
  }));
  for (const record of effects.records) {
    // Not one canceled again at once because another dependency still holds it.
    if (record.op === "retry" && effects.stateOf(record.id) === "waiting") {
      revived.push({ id: record.id, state: "waiting" });
    }
  }
  return {
    records: [...records, ...effects.records.filter((r) => !targets.has(r.id))],
    revived,
  };
}

function checkedJobs(
  state: QueueState,
  ids: string[],
  allowed: readonly JobState[],
  verb: string,
): StoredJob[] {
  const jobs: StoredJob[] = [];
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) continue;
    seen.add(id);
    const job = state.jobs.get(id);
    if (!job) throw new NotFoundError(`No job with id "${id}"`);
    jobs.push(job);
  }
  for (const job of jobs) {
    if (!allowed.includes(job.state)) {
      throw new ValidationError(
        `Job "${job.id}" is ${job.state}; only ${listOf(allowed)} jobs can be ${verb}`,
      );
    }
  }
  return jobs;
}

function listOf(states: readonly JobState[]): string {
  return states.length === 1
    ? states[0]!
    : `${states.slice(0, -1).join(", ")} or ${states[states.length - 1]}`;
}

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
 * @param skipBlocked For `--all-dead`/`--all-canceled`: leave out (and report) a job that depends on
 *   a dead or canceled job not retried with it, or whose unique key another unfinished job holds,
 *   instead of refusing the whole retry.
 * @returns The records, every job brought back (dependents included) with its new state, and the
 *   jobs left out with why.
 * @throws {NotFoundError} for an unknown id; {@linkcode ValidationError} for a job in another
 *   state, a dependency that is dead or canceled, or a unique key another job holds now.
 */
export function planRetry(
  state: QueueState,
  ids: string[],
  at: string,
  from: readonly JobState[] = ["dead", "canceled", "completed"],
  skipBlocked = false,
): { records: QueueRecord[]; revived: RetriedJob[]; skipped: { id: string; reason: string }[] } {
  const jobs = checkedJobs(state, ids, from, "retried");
  const active = new Set(jobs.map((job) => job.id));
  const skipped = new Map<string, string>();
  const leaveOut = (id: string, reason: string) => {
    if (!skipBlocked) throw new ValidationError(`Job "${id}" ${reason}`);
    active.delete(id);
    skipped.set(id, reason);
  };
  for (;;) {
    // A job waiting on a dead or canceled job that is not retried with it would wait forever.
    let changed = true;
    while (changed) {
      changed = false;
      for (const job of jobs) {
        if (!active.has(job.id)) continue;
        const blocker = job.depends_on.find((dependency) => {
          const dependencyState = state.jobs.get(dependency)?.state;
          return !active.has(dependency) &&
            (dependencyState === "dead" || dependencyState === "canceled");
        });
        if (blocker === undefined) continue;
        const blockerState = state.jobs.get(blocker)!.state;
        leaveOut(
          job.id,
          `depends on "${blocker}", which is ${blockerState}: retry "${blocker}" too`,
        );
        changed = true;
      }
    }
    // One unfinished job per unique key, also among the jobs retried together.
    const effects = new Consequences(state, at);
    let conflict = false;
    for (const job of jobs) {
      if (!active.has(job.id)) continue;
      const holder = effects.takeKey(job);
      if (holder === undefined) continue;
      leaveOut(
        job.id,
        `cannot run again while job "${holder}" holds its unique key "${job.unique_key}"`,
      );
      conflict = true;
    }
    if (conflict) continue; // what waited for a job left out is checked again
    const records: QueueRecord[] = [];
    const decided = new Map<string, JobState>();
    for (const job of jobs) {
      if (!active.has(job.id)) continue;
      const waiting = job.depends_on.some((dependency) => {
        const dependencyState = state.jobs.get(dependency)?.state;
        return active.has(dependency) ||
          (dependencyState !== undefined && dependencyState !== "completed");
      });
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
      records: [...records, ...effects.records.filter((r) => !active.has(r.id))],
      revived,
      skipped: [...skipped].map(([id, reason]) => ({ id, reason })),
    };
  }
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

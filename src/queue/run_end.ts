/**
 * How a run ends, as records: settled by its worker (completed, failed, dead, or canceled when its
 * job was canceled while it ran), or interrupted (its worker lost, exited, or unable to record the
 * result). Each end that finishes the job tells {@linkcode Consequences} so dependents follow in
 * the same transaction. Pure.
 * @module
 */

import { backoffDelay } from "./backoff.ts";
import type { Consequences } from "./consequences.ts";
import type { StoredJob } from "./job.ts";
import {
  canceledRecord,
  completeRecord,
  failRecord,
  type QueueRecord,
  recoverRecord,
  requeueRecord,
} from "./records.ts";
import type { QueueState } from "./state.ts";
import type { RunResult, SettleOutcome } from "./store.ts";

/** Why a canceled job's run ended. */
const CANCELED_WHILE_RUNNING = "canceled while running";

/**
 * The record that settles a run its worker finished.
 * @param state The fresh state.
 * @param job The job, held with `lease`.
 * @param lease The claim's lease.
 * @param result How the run ended.
 * @param nowMs The current time.
 * @param effects Collects what follows for dependents.
 * @returns The record and what it means.
 */
export function settleRun(
  state: QueueState,
  job: StoredJob,
  lease: number,
  result: RunResult,
  nowMs: number,
  effects: Consequences,
): { record: QueueRecord; outcome: Exclude<SettleOutcome, "ignored"> } {
  const at = new Date(nowMs).toISOString();
  const succeeded = result.exitCode === 0 && !result.timedOut && result.signal === null;
  // Killed for its cancel: canceled, however it exited. Asked to cancel but done before its
  // worker noticed: what it did stands.
  if (result.canceled === true || (!succeeded && job.cancel_requested_at !== null)) {
    effects.ended(job.id, "canceled");
    const reason = result.error
      ? `${CANCELED_WHILE_RUNNING}: ${result.error}`
      : CANCELED_WHILE_RUNNING;
    return {
      record: canceledRecord(at, job.id, lease, reason, result.exitCode, result.signal),
      outcome: "canceled",
    };
  }
  if (succeeded) {
    effects.ended(job.id, "completed");
    return { record: completeRecord(at, job.id, lease), outcome: "completed" };
  }
  const exhausted = job.attempts > job.max_retries;
  const { backoff_base, backoff_max } = state.config;
  const delay = backoffDelay(job.attempts, backoff_base, backoff_max);
  if (exhausted) effects.ended(job.id, "dead");
  const record = failRecord(at, job.id, lease, {
    state: exhausted ? "dead" : "failed",
    outcome: result.timedOut ? "timed_out" : "failed",
    exit_code: result.exitCode,
    signal: result.signal,
    error: result.error ?? "failed",
    ...(exhausted ? {} : { retry_at: new Date(nowMs + delay * 1000).toISOString() }),
  });
  return { record, outcome: exhausted ? "dead" : "failed" };
}

/**
 * The record that ends a run nobody could settle (its worker lost or gone, or unable to write the
 * result): the run counts, and the job is pending again, dead when no run is left, or canceled if
 * that was asked for.
 * @param job The job, held with `lease`.
 * @param lease The claim's lease.
 * @param at The time (ISO 8601).
 * @param error Why the run ended this way.
 * @param effects Collects what follows for dependents.
 * @returns The record.
 */
export function interruptRun(
  job: StoredJob,
  lease: number,
  at: string,
  error: string,
  effects: Consequences,
): QueueRecord {
  if (job.cancel_requested_at !== null) {
    effects.ended(job.id, "canceled");
    return canceledRecord(at, job.id, lease, `${CANCELED_WHILE_RUNNING}; ${error}`);
  }
  const exhausted = job.attempts > job.max_retries;
  if (exhausted) effects.ended(job.id, "dead");
  return recoverRecord(at, job.id, lease, exhausted ? "dead" : "pending", error);
}

/**
 * The record that ends a run stopped on purpose (`worker stop --now`): uncounted and pending again,
 * or canceled if that was asked for meanwhile.
 * @param job The job, held with `lease`.
 * @param lease The claim's lease.
 * @param at The time (ISO 8601).
 * @param reason Why it was stopped.
 * @param effects Collects what follows for dependents.
 * @returns The record.
 */
export function requeueRun(
  job: StoredJob,
  lease: number,
  at: string,
  reason: string,
  effects: Consequences,
): QueueRecord {
  if (job.cancel_requested_at !== null) {
    effects.ended(job.id, "canceled");
    return canceledRecord(at, job.id, lease, `${CANCELED_WHILE_RUNNING}; ${reason}`);
  }
  return requeueRecord(at, job.id, lease, reason);
}

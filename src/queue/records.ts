/**
 * The journal records of the queue, one builder per operation. Field names are short but plain
 * English so that a person reading `journal.jsonl` understands them without a manual.
 * @module
 */

import type { RecordBody } from "../journal/mod.ts";
import type { ConfigKey } from "./config.ts";
import type { AttemptOutcome, Job } from "./job.ts";
import type { StopMode } from "./state.ts";

/**
 * Fields of a new job as the `enqueue` record carries them. `max_retries` and `timeout` appear
 * only when the job gave them; otherwise replay takes the settings in effect at that record, which
 * are the ones the enqueuer saw.
 */
export interface EnqueueFields {
  id: string;
  command: string;
  max_retries?: number;
  priority: number;
  run_at: string;
  /** Seconds; `null` = no timeout (the job gave 0). */
  timeout?: number | null;
  cwd: string;
  env?: Record<string, string>;
}

/** A job was added. */
export function enqueueRecord(at: string, fields: EnqueueFields): RecordBody {
  return { at, op: "enqueue", ...fields };
}

/**
 * A worker claimed a job; the record's sequence number becomes the lease (fencing token).
 * `attempt` is the attempt it counts as; `run` the run's own number, written only when it differs.
 */
export function claimRecord(
  at: string,
  id: string,
  worker: string,
  attempt: number,
  run: number,
): RecordBody {
  return run === attempt
    ? { at, op: "claim", id, worker, attempt }
    : { at, op: "claim", id, worker, attempt, run };
}

/** The run holding `lease` exited 0. */
export function completeRecord(at: string, id: string, lease: number): RecordBody {
  return { at, op: "complete", id, lease, exit_code: 0 };
}

/** What a failed run reports. */
export interface FailureFields {
  state: "failed" | "dead";
  outcome: Extract<AttemptOutcome, "failed" | "timed_out">;
  exit_code: number | null;
  signal: string | null;
  error: string;
  /** When the retry is due; only with `state: "failed"`. */
  retry_at?: string;
}

/** The run holding `lease` failed: the job waits for a retry or goes to the dead letter queue. */
export function failRecord(
  at: string,
  id: string,
  lease: number,
  fields: FailureFields,
): RecordBody {
  return { at, op: "fail", id, lease, ...fields };
}

/** The worker holding `lease` was lost: the job goes back to pending, or dead if exhausted. */
export function recoverRecord(
  at: string,
  id: string,
  lease: number,
  state: "pending" | "dead",
  error: string,
): RecordBody {
  return { at, op: "recover", id, lease, state, error };
}

/** The run holding `lease` was stopped on purpose (`worker stop --now`): uncounted, pending again. */
export function requeueRecord(at: string, id: string, lease: number, reason: string): RecordBody {
  return { at, op: "requeue", id, lease, reason };
}

/** A dead job was sent back to pending with its attempts reset (`dlq retry`). */
export function retryRecord(at: string, id: string): RecordBody {
  return { at, op: "retry", id };
}

/** A setting changed. */
export function configRecord(at: string, key: ConfigKey, value: unknown): RecordBody {
  return { at, op: "config", key, value };
}

/** A worker process started. */
export function workerRecord(
  at: string,
  worker: string,
  pid: number,
  host: string,
  pstart: string | null,
): RecordBody {
  return { at, op: "worker", worker, pid, host, pstart };
}

/** A worker is alive. */
export function heartbeatRecord(at: string, worker: string): RecordBody {
  return { at, op: "heartbeat", worker };
}

/** A worker was asked to stop. */
export function stopRecord(at: string, worker: string, mode: StopMode): RecordBody {
  return { at, op: "stop", worker, mode };
}

/** A worker exited cleanly. */
export function exitRecord(at: string, worker: string): RecordBody {
  return { at, op: "exit", worker };
}

/** A worker was presumed dead by another process. */
export function lostRecord(at: string, worker: string, reason: string): RecordBody {
  return { at, op: "lost", worker, reason };
}

/** Compaction: the whole of a retained job. */
export function jobSnapshotRecord(
  job: Job & { lease: number | null; order: number; dueMs: number },
): RecordBody {
  // Fields at their default are left out: a pending job's line stays short and quick to load.
  const record: RecordBody = {
    op: "job",
    id: job.id,
    command: job.command,
    state: job.state,
    attempts: job.attempts,
    ...(job.runs === job.attempts ? {} : { runs: job.runs }),
    max_retries: job.max_retries,
    priority: job.priority,
    run_at: job.run_at,
    timeout: job.timeout,
    cwd: job.cwd,
    created_at: job.created_at,
    order: job.order,
  };
  if (job.env !== null) record.env = job.env;
  if (job.updated_at !== job.created_at) record.updated_at = job.updated_at;
  for (const key of OPTIONAL_JOB_FIELDS) if (job[key] !== null) record[key] = job[key];
  if (job.history.length > 0) record.history = job.history;
  if (job.lease !== null) record.lease = job.lease;
  const due = new Date(job.dueMs).toISOString();
  if (due !== job.run_at) record.due_at = due;
  return record;
}

const OPTIONAL_JOB_FIELDS = [
  "started_at",
  "finished_at",
  "next_run_at",
  "exit_code",
  "last_error",
  "worker_id",
] as const;

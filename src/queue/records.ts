/**
 * The journal records of the queue: a closed union, one type and one builder per operation, so
 * that the reducer and the `status` fast path, which switch on it exhaustively, cannot miss one.
 * Field names are short but plain English so that a person reading `journal.jsonl` understands
 * them without a manual.
 * @module
 */

import type { ConfigKey } from "./config.ts";
import type { JobInput } from "./job_input.ts";
import {
  type Attempt,
  type AttemptOutcome,
  DEFAULT_QUEUE,
  type JobState,
  type StoredJob,
} from "./job.ts";
import type { StopMode, WorkerStatus } from "./state.ts";

/**
 * Fields of a new job as the `enqueue` record carries them. `max_retries` and `timeout` appear
 * only when the job gave them; otherwise replay takes the settings in effect at that record, which
 * are the ones the enqueuer saw.
 */
export type EnqueueFields = {
  /** Only when not `default`; it comes before `id`, for readers that stop there. */
  queue?: string;
  id: string;
  command: string;
  max_retries?: number;
  priority: number;
  run_at: string;
  /** Seconds; `null` = no timeout (the job gave 0). */
  timeout?: number | null;
  cwd: string;
  env?: Record<string, string>;
  depends_on?: string[];
  unique_key?: string;
};

/** A job was added; `state` is there only when it starts `waiting` for a dependency. */
export type EnqueueRecord = EnqueueFields & {
  op: "enqueue";
  at: string;
  state?: "waiting";
};

/** Compaction: the whole of a retained job. Fields at their default are left out. */
export type JobSnapshotRecord = {
  op: "job";
  /** Only when not `default`; before `id`, for readers that stop there. */
  queue?: string;
  id: string;
  command: string;
  state: JobState;
  attempts: number;
  runs?: number;
  max_retries: number;
  priority: number;
  run_at: string;
  timeout: number | null;
  cwd: string;
  created_at: string;
  order: number;
  env?: Record<string, string>;
  updated_at?: string;
  started_at?: string;
  finished_at?: string;
  next_run_at?: string;
  exit_code?: number;
  last_error?: string;
  worker_id?: string;
  depends_on?: string[];
  unique_key?: string;
  canceled_by?: string;
  cancel_requested_at?: string;
  history?: Attempt[];
  lease?: number;
  due_at?: string;
};

/**
 * A worker claimed a job; the record's sequence number becomes the lease (fencing token).
 * `attempt` is the attempt it counts as; `run` the run's own number, only when it differs.
 */
export type ClaimRecord = {
  at: string;
  op: "claim";
  id: string;
  worker: string;
  attempt: number;
  run?: number;
};

/** The run holding `lease` exited 0. */
export type CompleteRecord = {
  at: string;
  op: "complete";
  id: string;
  lease: number;
  exit_code: 0;
};

/** What a failed run reports. */
export type FailureFields = {
  state: "failed" | "dead";
  outcome: Extract<AttemptOutcome, "failed" | "timed_out">;
  exit_code: number | null;
  signal: string | null;
  error: string;
  /** When the retry is due; only with `state: "failed"`. */
  retry_at?: string;
};

/** The run holding `lease` failed: the job waits for a retry or goes to the dead letter queue. */
export type FailRecord = FailureFields & {
  at: string;
  op: "fail";
  id: string;
  lease: number;
};

/** The worker holding `lease` was lost (or ended without settling): pending again, or dead. */
export type RecoverRecord = {
  at: string;
  op: "recover";
  id: string;
  lease: number;
  state: "pending" | "dead";
  error: string;
};

/** The run holding `lease` was stopped on purpose (`worker stop --now`): uncounted, pending. */
export type RequeueRecord = {
  at: string;
  op: "requeue";
  id: string;
  lease: number;
  reason: string;
};

/** The run holding `lease` ended because the job was canceled: the job is `canceled`. */
export type CanceledRecord = {
  at: string;
  op: "canceled";
  id: string;
  lease: number;
  exit_code: number | null;
  signal: string | null;
  reason: string;
};

/**
 * A job was canceled: a pending, waiting or failed one is `canceled` at once; for a processing one
 * this asks its worker to kill the run (which then writes `canceled`). `by` names the dead or
 * canceled job whose end canceled this dependent.
 */
export type CancelRecord = {
  at: string;
  op: "cancel";
  id: string;
  reason: string;
  by?: string;
};

/**
 * A dead, canceled or completed job runs again: `pending`, or `waiting` while a dependency has not
 * completed; attempts reset. `by` names the retried job whose revival brings this dependent back.
 */
export type RetryRecord = {
  at: string;
  op: "retry";
  id: string;
  state?: "waiting";
  by?: string;
};

/** Every dependency of a waiting job completed (`after` is the last one): it is pending now. */
export type ReadyRecord = {
  at: string;
  op: "ready";
  id: string;
  after: string;
};

/** A setting changed. */
export type ConfigRecord = {
  at: string;
  op: "config";
  key: ConfigKey;
  value: unknown;
};

/** A worker process started; after compaction, the whole of a retained worker. */
export type WorkerRecord = {
  at?: string;
  op: "worker";
  worker: string;
  pid: number;
  host: string;
  pstart: string | null;
  status?: WorkerStatus;
  started_at?: string;
  heartbeat?: string;
  job?: string | null;
  /** Every job it runs (a snapshot's worker); older journals have `job` alone. */
  jobs?: string[];
  stop?: StopMode | null;
  ended_at?: string | null;
  reason?: string | null;
  /** The queues it claims from, when not every queue. */
  queues?: string[];
};

/** A named queue's settings changed: what is given replaces what was. */
export type QueueSettingsRecord = {
  at: string;
  op: "queue";
  name: string;
  paused?: boolean;
  concurrency?: number;
};

/**
 * A schedule was added or replaced (`since`: ticks count from then on). After compaction, the whole
 * of a schedule, with `paused` and `last_run`.
 */
export type ScheduleRecord = {
  at: string;
  op: "schedule";
  name: string;
  cron: string;
  timezone: string;
  /** The job each tick enqueues, as `enqueue` takes it (without id and run_at). */
  job: JobInput;
  since?: string;
  paused?: boolean;
  last_run?: string;
};

/** A schedule was paused or resumed; a resumed one counts ticks from then on (no backfill). */
export type SchedulePauseRecord = {
  at: string;
  op: "schedule_pause";
  name: string;
  paused: boolean;
};

/** A schedule was removed (jobs it enqueued stay). */
export type ScheduleRemoveRecord = {
  at: string;
  op: "schedule_remove";
  name: string;
};

/** A schedule's tick fired; `id` is the job it enqueued, in the same transaction. */
export type TickRecord = {
  at: string;
  op: "tick";
  name: string;
  tick: string;
  id: string;
};

/**
 * Compaction: the counters (totals per queue, per-minute counts of the last day, recent runs as
 * `[ended ms, queue, run ms, wait ms, outcome]`), in one or more records that add up.
 */
export type StatsRecord = {
  op: "stats";
  latest?: number;
  totals?: Record<string, [number, number, number, number, number]>;
  minutes?: [number, string, number, number, number, number, number][];
  samples?: [number, string, number, number, "completed" | "failed" | "canceled"][];
};

/** A worker is alive. */
export type HeartbeatRecord = {
  at: string;
  op: "heartbeat";
  worker: string;
};

/** A worker was asked to stop. */
export type StopRecord = {
  at: string;
  op: "stop";
  worker: string;
  mode: StopMode;
};

/** A worker exited cleanly. */
export type ExitRecord = {
  at: string;
  op: "exit";
  worker: string;
};

/** A worker was presumed dead by another process. */
export type LostRecord = {
  at: string;
  op: "lost";
  worker: string;
  reason: string;
};

/** Every record the queue writes. */
export type QueueRecord =
  | EnqueueRecord
  | JobSnapshotRecord
  | ClaimRecord
  | CompleteRecord
  | FailRecord
  | RecoverRecord
  | RequeueRecord
  | CanceledRecord
  | CancelRecord
  | RetryRecord
  | ReadyRecord
  | ConfigRecord
  | QueueSettingsRecord
  | ScheduleRecord
  | SchedulePauseRecord
  | ScheduleRemoveRecord
  | TickRecord
  | StatsRecord
  | WorkerRecord
  | HeartbeatRecord
  | StopRecord
  | ExitRecord
  | LostRecord;

/** Records that end a run: they carry its lease, and count only if it is still current. */
export type RunEndRecord =
  | CompleteRecord
  | FailRecord
  | RecoverRecord
  | RequeueRecord
  | CanceledRecord;

/** Records about workers, not jobs. */
export type WorkerEventRecord = HeartbeatRecord | StopRecord | ExitRecord | LostRecord;

/**
 * For a `switch` that must handle every case: a compile error names the case left out. At run
 * time (a record from a newer version), nothing happens.
 * @param _value The value no case took.
 */
export function unhandled(_value: never): void {}

/** A job was added. */
export function enqueueRecord(
  at: string,
  fields: EnqueueFields,
  waiting = false,
): EnqueueRecord {
  // `state` before `id`: the status fast path (status_tally.ts) stops reading a line at `id`.
  return waiting
    ? { at, op: "enqueue", state: "waiting", ...fields }
    : { at, op: "enqueue", ...fields };
}

/** A worker claimed a job. */
export function claimRecord(
  at: string,
  id: string,
  worker: string,
  attempt: number,
  run: number,
): ClaimRecord {
  return run === attempt
    ? { at, op: "claim", id, worker, attempt }
    : { at, op: "claim", id, worker, attempt, run };
}

/** The run holding `lease` exited 0. */
export function completeRecord(at: string, id: string, lease: number): CompleteRecord {
  return { at, op: "complete", id, lease, exit_code: 0 };
}

/** The run holding `lease` failed. */
export function failRecord(
  at: string,
  id: string,
  lease: number,
  fields: FailureFields,
): FailRecord {
  return { at, op: "fail", id, lease, ...fields };
}

/** The run holding `lease` was lost. */
export function recoverRecord(
  at: string,
  id: string,
  lease: number,
  state: "pending" | "dead",
  error: string,
): RecoverRecord {
  return { at, op: "recover", id, lease, state, error };
}

/** The run holding `lease` was stopped on purpose. */
export function requeueRecord(
  at: string,
  id: string,
  lease: number,
  reason: string,
): RequeueRecord {
  return { at, op: "requeue", id, lease, reason };
}

/** The run holding `lease` ended because its job was canceled. */
export function canceledRecord(
  at: string,
  id: string,
  lease: number,
  reason: string,
  exitCode: number | null = null,
  signal: string | null = null,
): CanceledRecord {
  return { at, op: "canceled", id, lease, exit_code: exitCode, signal, reason };
}

/** A job was canceled (or, running, asked to stop). */
export function cancelRecord(at: string, id: string, reason: string, by?: string): CancelRecord {
  return by === undefined ? { at, op: "cancel", id, reason } : { at, op: "cancel", id, reason, by };
}

/** A finished job runs again. */
export function retryRecord(at: string, id: string, waiting = false, by?: string): RetryRecord {
  const record: RetryRecord = { at, op: "retry", id };
  if (waiting) record.state = "waiting";
  if (by !== undefined) record.by = by;
  return record;
}

/** A waiting job's dependencies all completed. */
export function readyRecord(at: string, id: string, after: string): ReadyRecord {
  return { at, op: "ready", id, after };
}

/** A setting changed. */
export function configRecord(at: string, key: ConfigKey, value: unknown): ConfigRecord {
  return { at, op: "config", key, value };
}

/** A worker process started; `queues` when it claims only from those. */
export function workerRecord(
  at: string,
  worker: string,
  pid: number,
  host: string,
  pstart: string | null,
  queues: string[] | null = null,
): WorkerRecord {
  return queues === null
    ? { at, op: "worker", worker, pid, host, pstart }
    : { at, op: "worker", worker, pid, host, pstart, queues };
}

/** A named queue's settings changed. */
export function queueSettingsRecord(
  at: string,
  name: string,
  settings: { paused?: boolean; concurrency?: number },
): QueueSettingsRecord {
  return { at, op: "queue", name, ...settings };
}

/** A schedule was added or replaced. */
export function scheduleRecord(
  at: string,
  name: string,
  cron: string,
  timezone: string,
  job: JobInput,
): ScheduleRecord {
  return { at, op: "schedule", name, cron, timezone, job };
}

/** A schedule was paused or resumed. */
export function schedulePauseRecord(
  at: string,
  name: string,
  paused: boolean,
): SchedulePauseRecord {
  return { at, op: "schedule_pause", name, paused };
}

/** A schedule was removed. */
export function scheduleRemoveRecord(at: string, name: string): ScheduleRemoveRecord {
  return { at, op: "schedule_remove", name };
}

/** A schedule's tick fired, enqueueing job `id`. */
export function tickRecord(at: string, name: string, tick: string, id: string): TickRecord {
  return { at, op: "tick", name, tick, id };
}

/** A worker is alive. */
export function heartbeatRecord(at: string, worker: string): HeartbeatRecord {
  return { at, op: "heartbeat", worker };
}

/** A worker was asked to stop. */
export function stopRecord(at: string, worker: string, mode: StopMode): StopRecord {
  return { at, op: "stop", worker, mode };
}

/** A worker exited cleanly. */
export function exitRecord(at: string, worker: string): ExitRecord {
  return { at, op: "exit", worker };
}

/** A worker was presumed dead by another process. */
export function lostRecord(at: string, worker: string, reason: string): LostRecord {
  return { at, op: "lost", worker, reason };
}

/** Compaction: the whole of a retained job. */
export function jobSnapshotRecord(job: StoredJob): JobSnapshotRecord {
  // Fields at their default are left out: a pending job's line stays short and quick to load.
  const record: JobSnapshotRecord = {
    op: "job",
    ...(job.queue === DEFAULT_QUEUE ? {} : { queue: job.queue }),
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
  if (job.started_at !== null) record.started_at = job.started_at;
  if (job.finished_at !== null) record.finished_at = job.finished_at;
  if (job.next_run_at !== null) record.next_run_at = job.next_run_at;
  if (job.exit_code !== null) record.exit_code = job.exit_code;
  if (job.last_error !== null) record.last_error = job.last_error;
  if (job.worker_id !== null) record.worker_id = job.worker_id;
  if (job.depends_on.length > 0) record.depends_on = job.depends_on;
  if (job.unique_key !== null) record.unique_key = job.unique_key;
  if (job.canceled_by !== null) record.canceled_by = job.canceled_by;
  if (job.cancel_requested_at !== null) record.cancel_requested_at = job.cancel_requested_at;
  if (job.history.length > 0) record.history = job.history;
  if (job.lease !== null) record.lease = job.lease;
  const due = new Date(job.dueMs).toISOString();
  if (due !== job.run_at) record.due_at = due;
  return record;
}

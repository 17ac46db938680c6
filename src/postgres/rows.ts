/**
 * Rows of the PostgreSQL store and the queue's own objects: a job row is a `StoredJob`, a worker
 * row a `WorkerEntry`, and back. Times are `timestamptz` in the database and ISO 8601 strings (or
 * epoch milliseconds) here.
 * @module
 */

import type { Attempt, JobState, StoredJob } from "../queue/job.ts";
import type { JobInput } from "../queue/job_input.ts";
import type { Schedule, WorkerEntry, WorkerStatus } from "../queue/state.ts";

type Row = Record<string, unknown>;

function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

function isoOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : iso(value);
}

function numberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/**
 * A job row as the queue keeps it.
 * @param r The row.
 * @returns The job.
 */
export function jobFromRow(r: Row): StoredJob {
  return {
    id: r.id as string,
    command: r.command as string,
    state: r.state as JobState,
    attempts: Number(r.attempts),
    runs: Number(r.runs),
    max_retries: Number(r.max_retries),
    priority: Number(r.priority),
    run_at: iso(r.run_at),
    timeout: numberOrNull(r.timeout),
    cwd: r.cwd as string,
    env: (r.env as Record<string, string> | null) ?? null,
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
    started_at: isoOrNull(r.started_at),
    finished_at: isoOrNull(r.finished_at),
    next_run_at: isoOrNull(r.next_run_at),
    exit_code: numberOrNull(r.exit_code),
    last_error: (r.last_error as string | null) ?? null,
    worker_id: (r.worker_id as string | null) ?? null,
    queue: r.queue as string,
    depends_on: (r.depends_on as string[] | null) ?? [],
    unique_key: (r.unique_key as string | null) ?? null,
    cancel_requested_at: isoOrNull(r.cancel_requested_at),
    history: (r.history as Attempt[] | null) ?? [],
    lease: numberOrNull(r.lease),
    order: Number(r.ord),
    dueMs: (r.due_at instanceof Date ? r.due_at : new Date(String(r.due_at))).getTime(),
    canceled_by: (r.canceled_by as string | null) ?? null,
  };
}

/** The columns of a job row, in the order {@linkcode jobRowValues} gives them. */
export const JOB_COLUMNS = [
  "id",
  "queue",
  "state",
  "command",
  "attempts",
  "runs",
  "max_retries",
  "priority",
  "run_at",
  "due_at",
  "timeout",
  "cwd",
  "env",
  "created_at",
  "updated_at",
  "started_at",
  "finished_at",
  "next_run_at",
  "exit_code",
  "last_error",
  "worker_id",
  "lease",
  "ord",
  "depends_on",
  "unique_key",
  "canceled_by",
  "cancel_requested_at",
  "history",
] as const;

/**
 * A job as a row to write.
 * @param job The job.
 * @returns Column values by name.
 */
export function jobRow(job: StoredJob): Record<(typeof JOB_COLUMNS)[number], unknown> {
  return {
    id: job.id,
    queue: job.queue,
    state: job.state,
    command: job.command,
    attempts: job.attempts,
    runs: job.runs,
    max_retries: job.max_retries,
    priority: job.priority,
    run_at: job.run_at,
    due_at: new Date(job.dueMs).toISOString(),
    timeout: job.timeout,
    cwd: job.cwd,
    env: job.env,
    created_at: job.created_at,
    updated_at: job.updated_at,
    started_at: job.started_at,
    finished_at: job.finished_at,
    next_run_at: job.next_run_at,
    exit_code: job.exit_code,
    last_error: job.last_error,
    worker_id: job.worker_id,
    lease: job.lease,
    ord: job.order,
    depends_on: job.depends_on,
    unique_key: job.unique_key,
    canceled_by: job.canceled_by,
    cancel_requested_at: job.cancel_requested_at,
    history: job.history,
  };
}

/**
 * A worker row as the queue keeps it.
 * @param r The row.
 * @returns The worker.
 */
export function workerFromRow(r: Row): WorkerEntry {
  const heartbeat = iso(r.heartbeat);
  // With the jobs it runs (`WORKER_JOBS`), the last it started of those, as the journal keeps it.
  const running = r.jobs as string[] | null | undefined;
  const job = running ? running.at(-1) ?? null : (r.job as string | null) ?? null;
  return {
    id: r.id as string,
    pid: Number(r.pid),
    host: r.host as string,
    pstart: (r.pstart as string | null) ?? null,
    status: r.status as WorkerStatus,
    started_at: iso(r.started_at),
    heartbeat,
    heartbeatMs: Date.parse(heartbeat),
    job,
    // Every job it runs when the query asked for them (`WORKER_JOBS`), else the last it started.
    jobs: running ?? (job === null ? [] : [job]),
    queues: (r.queues as string[] | null) ?? null,
    stop: (r.stop as WorkerEntry["stop"]) ?? null,
    ended_at: isoOrNull(r.ended_at),
    reason: (r.reason as string | null) ?? null,
  };
}

/**
 * A schedule row as the queue keeps it.
 * @param r The row.
 * @returns The schedule.
 */
export function scheduleFromRow(r: Row): Schedule {
  return {
    name: r.name as string,
    cron: r.cron as string,
    timezone: r.timezone as string,
    job: r.job as JobInput,
    paused: r.paused === true,
    since: iso(r.since),
    last_run: isoOrNull(r.last_run),
  };
}

/**
 * A select-list item that adds each worker's running jobs (`w` is the workers table), oldest
 * first, for {@linkcode workerFromRow}; the `jobs_processing` index answers it.
 */
export const WORKER_JOBS = (schema: string) =>
  `ARRAY(SELECT j.id FROM ${schema}.jobs j WHERE j.state = 'processing' AND j.worker_id = w.id ` +
  `ORDER BY j.started_at, j.id) AS jobs`;

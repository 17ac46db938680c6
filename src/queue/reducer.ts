/**
 * The queue's state machine: how each journal record changes the state. Pure and total: a record
 * that does not fit the current state (a late completion with an old lease, an unknown job) changes
 * nothing, which is what makes fencing work on replay as well as live.
 * @module
 */

import type { JournalRecord } from "../journal/mod.ts";
import { CONFIG_KEYS, type ConfigKey, sanitizeStoredValue } from "./config.ts";
import { type Attempt, type AttemptOutcome, HISTORY_LIMIT, type JobState } from "./job.ts";
import { moveJob, offerJob, putJob, type QueueState, type WorkerEntry } from "./state.ts";

type Fields = Record<string, unknown>;

/**
 * Applies one record to the state, in place.
 * @param state The queue state.
 * @param record A record read from (or just written to) the journal.
 */
export function applyRecord(state: QueueState, record: JournalRecord): void {
  const r = record as Fields & JournalRecord;
  const at = typeof r.at === "string" ? r.at : "";
  switch (r.op) {
    case "enqueue":
      return applyEnqueue(state, r, at);
    case "job":
      return applySnapshotJob(state, r);
    case "claim":
      return applyClaim(state, r, at);
    case "complete":
    case "fail":
    case "recover":
    case "requeue":
      return applyRunEnd(state, r, at);
    case "retry":
      return applyRetry(state, r, at);
    case "config":
      return applyConfig(state, r);
    case "worker":
      return applyWorker(state, r, at);
    case "heartbeat":
    case "stop":
    case "exit":
    case "lost":
      return applyWorkerEvent(state, r, at);
  }
}

function applyEnqueue(state: QueueState, r: Fields & JournalRecord, at: string): void {
  const id = r.id as string;
  if (state.jobs.has(id)) return;
  const runAt = r.run_at as string;
  putJob(state, {
    id,
    command: r.command as string,
    state: "pending",
    attempts: 0,
    runs: 0,
    // Settings the job did not give are the ones in effect here, when it was enqueued.
    max_retries: (r.max_retries as number | undefined) ?? state.config.max_retries,
    priority: r.priority as number,
    run_at: runAt,
    timeout: r.timeout !== undefined
      ? r.timeout as number | null
      : state.config.job_timeout > 0
      ? state.config.job_timeout
      : null,
    cwd: r.cwd as string,
    env: (r.env as Record<string, string> | undefined) ?? null,
    created_at: at,
    updated_at: at,
    started_at: null,
    finished_at: null,
    next_run_at: null,
    exit_code: null,
    last_error: null,
    worker_id: null,
    history: [],
    lease: null,
    order: r.seq,
    dueMs: Date.parse(runAt),
  });
}

/** A compacted job: fields left out of the record had their default (null, [], = created_at). */
function applySnapshotJob(state: QueueState, r: Fields & JournalRecord): void {
  const runAt = r.run_at as string;
  const createdAt = r.created_at as string;
  // Built field by field, in the same order as a new job, so every job has one shape.
  putJob(state, {
    id: r.id as string,
    command: r.command as string,
    state: r.state as JobState,
    attempts: r.attempts as number,
    runs: (r.runs as number | undefined) ?? r.attempts as number,
    max_retries: r.max_retries as number,
    priority: r.priority as number,
    run_at: runAt,
    timeout: (r.timeout as number | null | undefined) ?? null,
    cwd: r.cwd as string,
    env: (r.env as Record<string, string> | undefined) ?? null,
    created_at: createdAt,
    updated_at: (r.updated_at as string | undefined) ?? createdAt,
    started_at: (r.started_at as string | undefined) ?? null,
    finished_at: (r.finished_at as string | undefined) ?? null,
    next_run_at: (r.next_run_at as string | undefined) ?? null,
    exit_code: (r.exit_code as number | undefined) ?? null,
    last_error: (r.last_error as string | undefined) ?? null,
    worker_id: (r.worker_id as string | undefined) ?? null,
    history: (r.history as Attempt[] | undefined) ?? [],
    lease: (r.lease as number | undefined) ?? null,
    order: r.order as number,
    dueMs: Date.parse((r.due_at as string | undefined) ?? runAt),
  });
}

function applyClaim(state: QueueState, r: Fields & JournalRecord, at: string): void {
  const job = state.jobs.get(r.id as string);
  if (!job || (job.state !== "pending" && job.state !== "failed")) return;
  const worker = r.worker as string;
  moveJob(state, job, "processing");
  job.attempts = r.attempt as number;
  job.runs = (r.run as number | undefined) ?? job.attempts;
  job.lease = r.seq;
  job.worker_id = worker;
  job.started_at = at;
  job.finished_at = null;
  job.next_run_at = null;
  job.updated_at = at;
  const attempt: Attempt = {
    attempt: job.runs,
    worker_id: worker,
    started_at: at,
    finished_at: null,
    outcome: null,
    exit_code: null,
    signal: null,
    error: null,
  };
  job.history.push(attempt);
  if (job.history.length > HISTORY_LIMIT) job.history.splice(0, job.history.length - HISTORY_LIMIT);
  const entry = state.workers.get(worker);
  if (entry) {
    entry.job = job.id;
    signOfLife(entry, at);
  }
}

/** A claim or a settle by a worker shows it alive as much as a heartbeat does. */
function signOfLife(entry: WorkerEntry, at: string): void {
  if (entry.status !== "running" && entry.status !== "stopping") return;
  entry.heartbeat = at;
  entry.heartbeatMs = Date.parse(at);
}

function applyRunEnd(state: QueueState, r: Fields & JournalRecord, at: string): void {
  const job = state.jobs.get(r.id as string);
  if (!job || job.state !== "processing" || job.lease !== r.lease) return;
  const entry = job.worker_id === null ? undefined : state.workers.get(job.worker_id);
  if (entry && entry.job === job.id) entry.job = null;
  // Recovery is another process's doing; every other end of a run is the worker's own.
  if (entry && r.op !== "recover") signOfLife(entry, at);
  const last = job.history[job.history.length - 1];
  job.lease = null;
  job.updated_at = at;
  let outcome: AttemptOutcome;
  switch (r.op) {
    case "complete":
      moveJob(state, job, "completed");
      job.finished_at = at;
      job.exit_code = 0;
      job.last_error = null;
      outcome = "completed";
      break;
    case "fail":
      moveJob(state, job, r.state === "dead" ? "dead" : "failed");
      job.finished_at = at;
      job.exit_code = (r.exit_code as number | null) ?? null;
      job.last_error = r.error as string;
      job.next_run_at = (r.retry_at as string | undefined) ?? null;
      if (job.next_run_at) job.dueMs = Date.parse(job.next_run_at);
      outcome = r.outcome === "timed_out" ? "timed_out" : "failed";
      break;
    case "recover":
      moveJob(state, job, r.state === "dead" ? "dead" : "pending");
      job.finished_at = at;
      job.exit_code = null;
      job.last_error = r.error as string;
      outcome = "lost";
      break;
    default:
      moveJob(state, job, "pending");
      job.attempts = Math.max(0, job.attempts - 1);
      outcome = "requeued";
  }
  offerJob(state, job);
  if (last && last.finished_at === null) {
    last.finished_at = at;
    last.outcome = outcome;
    last.exit_code = r.op === "complete" ? 0 : (r.exit_code as number | null | undefined) ?? null;
    last.signal = (r.signal as string | null | undefined) ?? null;
    last.error = (r.error as string | undefined) ?? (r.reason as string | undefined) ?? null;
  }
}

function applyRetry(state: QueueState, r: Fields & JournalRecord, at: string): void {
  const job = state.jobs.get(r.id as string);
  if (!job || job.state !== "dead") return;
  moveJob(state, job, "pending");
  job.attempts = 0;
  job.next_run_at = null;
  job.updated_at = at;
  job.dueMs = Date.parse(at);
  offerJob(state, job);
}

function applyConfig(state: QueueState, r: Fields & JournalRecord): void {
  const key = r.key as ConfigKey;
  if (!CONFIG_KEYS.includes(key)) return;
  (state.config as unknown as Record<string, unknown>)[key] = sanitizeStoredValue(key, r.value);
}

function applyWorker(state: QueueState, r: Fields & JournalRecord, at: string): void {
  const id = r.worker as string;
  const started = (r.started_at as string | undefined) ?? at;
  const heartbeat = (r.heartbeat as string | undefined) ?? at;
  state.workers.set(id, {
    id,
    pid: r.pid as number,
    host: r.host as string,
    pstart: (r.pstart as string | null | undefined) ?? null,
    status: (r.status as WorkerEntry["status"] | undefined) ?? "running",
    started_at: started,
    heartbeat,
    heartbeatMs: Date.parse(heartbeat),
    job: (r.job as string | null | undefined) ?? null,
    stop: (r.stop as WorkerEntry["stop"] | undefined) ?? null,
    ended_at: (r.ended_at as string | null | undefined) ?? null,
    reason: (r.reason as string | null | undefined) ?? null,
  });
}

function applyWorkerEvent(state: QueueState, r: Fields & JournalRecord, at: string): void {
  const entry = state.workers.get(r.worker as string);
  if (!entry || entry.status === "stopped" || entry.status === "lost") return;
  switch (r.op) {
    case "heartbeat":
      entry.heartbeat = at;
      entry.heartbeatMs = Date.parse(at);
      return;
    case "stop":
      entry.status = "stopping";
      if (entry.stop !== "now") entry.stop = r.mode === "now" ? "now" : "drain";
      return;
    case "exit":
      entry.status = "stopped";
      entry.ended_at = at;
      entry.job = null;
      return;
    case "lost":
      entry.status = "lost";
      entry.ended_at = at;
      entry.reason = (r.reason as string | undefined) ?? null;
      entry.job = null;
  }
}

/**
 * The queue's state machine: how each journal record changes the state. Pure and total: a record
 * that does not fit the current state (a late completion with an old lease, an unknown job) changes
 * nothing, which is what makes fencing work on replay as well as live. The records form a closed
 * union (`records.ts`), switched on exhaustively.
 * @module
 */

import type { JournalRecord } from "../journal/mod.ts";
import { CONFIG_KEYS, sanitizeStoredValue } from "./config.ts";
import { addSample, countEvent, type StatsState } from "./stats.ts";
import { type Attempt, type AttemptOutcome, HISTORY_LIMIT } from "./job.ts";
import {
  type CancelRecord,
  type ClaimRecord,
  type ConfigRecord,
  type EnqueueRecord,
  type JobSnapshotRecord,
  type QueueRecord,
  type QueueSettingsRecord,
  type ReadyRecord,
  type RetryRecord,
  type RunEndRecord,
  type StatsRecord,
  unhandled,
  type WorkerEventRecord,
  type WorkerRecord,
} from "./records.ts";
import {
  DEFAULT_QUEUE,
  holdJob,
  moveJob,
  offerJob,
  putJob,
  type QueueState,
  releaseJob,
  type WorkerEntry,
} from "./state.ts";

/** A queue record as read back, with its sequence number. */
type Read<R> = R & { seq: number };

/**
 * Applies one record to the state, in place.
 * @param state The queue state.
 * @param record A record read from (or just written to) the journal.
 */
export function applyRecord(state: QueueState, record: JournalRecord): void {
  const r = record as unknown as Read<QueueRecord>;
  switch (r.op) {
    case "enqueue":
      return applyEnqueue(state, r);
    case "job":
      return applySnapshotJob(state, r);
    case "claim":
      return applyClaim(state, r);
    case "complete":
    case "fail":
    case "recover":
    case "requeue":
    case "canceled":
      return applyRunEnd(state, r);
    case "cancel":
      return applyCancel(state, r);
    case "retry":
      return applyRetry(state, r);
    case "ready":
      return applyReady(state, r);
    case "config":
      return applyConfig(state, r);
    case "queue":
      return applyQueueSettings(state, r);
    case "schedule":
      return void state.schedules.set(r.name, {
        name: r.name,
        cron: r.cron,
        timezone: r.timezone,
        job: r.job,
        paused: r.paused ?? state.schedules.get(r.name)?.paused ?? false,
        since: r.since ?? r.at,
        // A replaced schedule keeps its last tick: that one never fires twice.
        last_run: r.last_run ?? state.schedules.get(r.name)?.last_run ?? null,
      });
    case "schedule_pause": {
      const schedule = state.schedules.get(r.name);
      if (!schedule || schedule.paused === r.paused) return;
      schedule.paused = r.paused;
      if (!r.paused) schedule.since = r.at;
      return;
    }
    case "schedule_remove":
      return void state.schedules.delete(r.name);
    case "stats":
      return applyStatsSnapshot(state.stats, r);
    case "tick": {
      const schedule = state.schedules.get(r.name);
      if (schedule && (schedule.last_run === null || r.tick > schedule.last_run)) {
        schedule.last_run = r.tick;
      }
      return;
    }
    case "worker":
      return applyWorker(state, r);
    case "heartbeat":
    case "stop":
    case "exit":
    case "lost":
      return applyWorkerEvent(state, r);
    default:
      return unhandled(r);
  }
}

function applyEnqueue(state: QueueState, r: Read<EnqueueRecord>): void {
  if (state.jobs.has(r.id)) return;
  countEvent(state.stats, r.queue ?? DEFAULT_QUEUE, "enqueued", r.at);
  putJob(state, {
    id: r.id,
    command: r.command,
    state: r.state === "waiting" ? "waiting" : "pending",
    attempts: 0,
    runs: 0,
    // Settings the job did not give are the ones in effect here, when it was enqueued.
    max_retries: r.max_retries ?? state.config.max_retries,
    priority: r.priority,
    run_at: r.run_at,
    timeout: r.timeout !== undefined
      ? r.timeout
      : state.config.job_timeout > 0
      ? state.config.job_timeout
      : null,
    cwd: r.cwd,
    env: r.env ?? null,
    created_at: r.at,
    updated_at: r.at,
    started_at: null,
    finished_at: null,
    next_run_at: null,
    exit_code: null,
    last_error: null,
    worker_id: null,
    queue: r.queue ?? DEFAULT_QUEUE,
    depends_on: r.depends_on ?? [],
    unique_key: r.unique_key ?? null,
    cancel_requested_at: null,
    history: [],
    lease: null,
    order: r.seq,
    dueMs: Date.parse(r.run_at),
    canceled_by: null,
  });
}

/** A compacted job: fields left out of the record had their default (null, [], = created_at). */
function applySnapshotJob(state: QueueState, r: Read<JobSnapshotRecord>): void {
  // Built field by field, in the same order as a new job, so every job has one shape.
  putJob(state, {
    id: r.id,
    command: r.command,
    state: r.state,
    attempts: r.attempts,
    runs: r.runs ?? r.attempts,
    max_retries: r.max_retries,
    priority: r.priority,
    run_at: r.run_at,
    timeout: r.timeout ?? null,
    cwd: r.cwd,
    env: r.env ?? null,
    created_at: r.created_at,
    updated_at: r.updated_at ?? r.created_at,
    started_at: r.started_at ?? null,
    finished_at: r.finished_at ?? null,
    next_run_at: r.next_run_at ?? null,
    exit_code: r.exit_code ?? null,
    last_error: r.last_error ?? null,
    worker_id: r.worker_id ?? null,
    queue: r.queue ?? DEFAULT_QUEUE,
    depends_on: r.depends_on ?? [],
    unique_key: r.unique_key ?? null,
    cancel_requested_at: r.cancel_requested_at ?? null,
    history: r.history ?? [],
    lease: r.lease ?? null,
    order: r.order,
    dueMs: Date.parse(r.due_at ?? r.run_at),
    canceled_by: r.canceled_by ?? null,
  });
}

function applyClaim(state: QueueState, r: Read<ClaimRecord>): void {
  const job = state.jobs.get(r.id);
  if (!job || (job.state !== "pending" && job.state !== "failed")) return;
  moveJob(state, job, "processing");
  job.attempts = r.attempt;
  job.runs = r.run ?? job.attempts;
  job.lease = r.seq;
  job.worker_id = r.worker;
  job.started_at = r.at;
  job.finished_at = null;
  job.next_run_at = null;
  job.updated_at = r.at;
  const attempt: Attempt = {
    attempt: job.runs,
    worker_id: r.worker,
    started_at: r.at,
    finished_at: null,
    outcome: null,
    exit_code: null,
    signal: null,
    error: null,
  };
  job.history.push(attempt);
  if (job.history.length > HISTORY_LIMIT) job.history.splice(0, job.history.length - HISTORY_LIMIT);
  const entry = state.workers.get(r.worker);
  if (entry) {
    holdJob(entry, job.id);
    signOfLife(entry, r.at);
  }
}

/** A claim or a settle by a worker shows it alive as much as a heartbeat does. */
function signOfLife(entry: WorkerEntry, at: string): void {
  if (entry.status !== "running" && entry.status !== "stopping") return;
  entry.heartbeat = at;
  entry.heartbeatMs = Date.parse(at);
}

function applyRunEnd(state: QueueState, r: Read<RunEndRecord>): void {
  const job = state.jobs.get(r.id);
  if (!job || job.state !== "processing" || job.lease !== r.lease) return;
  const entry = job.worker_id === null ? undefined : state.workers.get(job.worker_id);
  if (entry) releaseJob(entry, job.id);
  // Recovery is another process's doing; every other end of a run is the worker's own.
  if (entry && r.op !== "recover") signOfLife(entry, r.at);
  const last = job.history[job.history.length - 1];
  if (r.op === "complete" || r.op === "fail" || r.op === "canceled") {
    const started = job.started_at === null ? NaN : Date.parse(job.started_at);
    addSample(state.stats, {
      at: Date.parse(r.at),
      queue: job.queue,
      runMs: Date.parse(r.at) - started,
      waitMs: started - job.dueMs,
      outcome: r.op === "complete" ? "completed" : r.op === "fail" ? "failed" : "canceled",
    });
  }
  if (r.op === "complete") countEvent(state.stats, job.queue, "completed", r.at);
  if (r.op === "fail") countEvent(state.stats, job.queue, "failed", r.at);
  if ((r.op === "fail" || r.op === "recover") && r.state === "dead") {
    countEvent(state.stats, job.queue, "dead", r.at);
  }
  if (r.op === "canceled") countEvent(state.stats, job.queue, "canceled", r.at);
  job.lease = null;
  job.updated_at = r.at;
  job.cancel_requested_at = null;
  state.cancelRequests.delete(job.id);
  let outcome: AttemptOutcome;
  let exitCode: number | null = null;
  let signal: string | null = null;
  let error: string | null = null;
  switch (r.op) {
    case "complete":
      moveJob(state, job, "completed");
      job.finished_at = r.at;
      job.exit_code = 0;
      job.last_error = null;
      outcome = "completed";
      exitCode = 0;
      break;
    case "fail":
      moveJob(state, job, r.state === "dead" ? "dead" : "failed");
      job.finished_at = r.at;
      job.exit_code = r.exit_code;
      job.last_error = r.error;
      job.next_run_at = r.retry_at ?? null;
      if (job.next_run_at) job.dueMs = Date.parse(job.next_run_at);
      outcome = r.outcome === "timed_out" ? "timed_out" : "failed";
      [exitCode, signal, error] = [r.exit_code, r.signal, r.error];
      break;
    case "recover":
      moveJob(state, job, r.state === "dead" ? "dead" : "pending");
      job.finished_at = r.at;
      job.exit_code = null;
      job.last_error = r.error;
      outcome = "lost";
      error = r.error;
      break;
    case "canceled":
      moveJob(state, job, "canceled");
      job.finished_at = r.at;
      job.exit_code = r.exit_code;
      job.last_error = r.reason;
      outcome = "canceled";
      [exitCode, signal, error] = [r.exit_code, r.signal, r.reason];
      break;
    case "requeue":
      moveJob(state, job, "pending");
      job.attempts = Math.max(0, job.attempts - 1);
      outcome = "requeued";
      error = r.reason;
      break;
    default:
      return unhandled(r);
  }
  offerJob(state, job);
  if (last && last.finished_at === null) {
    last.finished_at = r.at;
    last.outcome = outcome;
    last.exit_code = exitCode;
    last.signal = signal;
    last.error = error;
  }
}

function applyCancel(state: QueueState, r: Read<CancelRecord>): void {
  const job = state.jobs.get(r.id);
  if (!job) return;
  if (job.state === "processing") {
    // Its worker kills the run and records how it ended (`canceled`).
    if (job.cancel_requested_at === null) job.cancel_requested_at = r.at;
    state.cancelRequests.add(job.id);
    job.updated_at = r.at;
    return;
  }
  if (job.state !== "pending" && job.state !== "waiting" && job.state !== "failed") return;
  moveJob(state, job, "canceled");
  countEvent(state.stats, job.queue, "canceled", r.at);
  job.finished_at = r.at;
  job.updated_at = r.at;
  job.next_run_at = null;
  job.last_error = r.reason;
  job.canceled_by = r.by ?? null;
}

function applyRetry(state: QueueState, r: Read<RetryRecord>): void {
  const job = state.jobs.get(r.id);
  if (!job || (job.state !== "dead" && job.state !== "canceled" && job.state !== "completed")) {
    return;
  }
  moveJob(state, job, r.state === "waiting" ? "waiting" : "pending");
  job.attempts = 0;
  job.next_run_at = null;
  job.finished_at = null;
  job.updated_at = r.at;
  job.canceled_by = null;
  // Due again now, or at its run_at if that is still ahead (a job canceled before its time).
  job.dueMs = Math.max(Date.parse(job.run_at), Date.parse(r.at));
  offerJob(state, job);
}

function applyReady(state: QueueState, r: Read<ReadyRecord>): void {
  const job = state.jobs.get(r.id);
  if (!job || job.state !== "waiting") return;
  moveJob(state, job, "pending");
  job.updated_at = r.at;
  job.dueMs = Math.max(Date.parse(job.run_at), Date.parse(r.at));
  offerJob(state, job);
}

function applyStatsSnapshot(stats: StatsState, r: Read<StatsRecord>): void {
  if (r.latest !== undefined) stats.latestMs = Math.max(stats.latestMs, r.latest);
  for (
    const [queue, [enqueued, completed, failed, dead, canceled]] of Object.entries(r.totals ?? {})
  ) {
    stats.totals.set(queue, { enqueued, completed, failed, dead, canceled });
  }
  for (const [minute, queue, enqueued, completed, failed, dead, canceled] of r.minutes ?? []) {
    let perQueue = stats.minutes.get(minute);
    if (!perQueue) stats.minutes.set(minute, perQueue = new Map());
    perQueue.set(queue, { enqueued, completed, failed, dead, canceled });
  }
  for (const [at, queue, runMs, waitMs, outcome] of r.samples ?? []) {
    stats.samples.push({ at, queue, runMs, waitMs, outcome });
  }
}

function applyConfig(state: QueueState, r: Read<ConfigRecord>): void {
  if (!CONFIG_KEYS.includes(r.key)) return;
  (state.config as unknown as Record<string, unknown>)[r.key] = sanitizeStoredValue(r.key, r.value);
}

function applyQueueSettings(state: QueueState, r: Read<QueueSettingsRecord>): void {
  const settings = state.queues.get(r.name) ?? { paused: false, concurrency: 0 };
  if (r.paused !== undefined) settings.paused = r.paused;
  if (r.concurrency !== undefined) settings.concurrency = r.concurrency;
  if (!settings.paused && settings.concurrency === 0) state.queues.delete(r.name);
  else state.queues.set(r.name, settings);
}

function applyWorker(state: QueueState, r: Read<WorkerRecord>): void {
  const at = r.at ?? "";
  const started = r.started_at ?? at;
  const heartbeat = r.heartbeat ?? at;
  state.workers.set(r.worker, {
    id: r.worker,
    pid: r.pid,
    host: r.host,
    pstart: r.pstart ?? null,
    status: r.status ?? "running",
    started_at: started,
    heartbeat,
    heartbeatMs: Date.parse(heartbeat),
    job: r.job ?? null,
    jobs: r.jobs ?? (r.job ? [r.job] : []),
    queues: r.queues ?? null,
    stop: r.stop ?? null,
    ended_at: r.ended_at ?? null,
    reason: r.reason ?? null,
  });
}

function applyWorkerEvent(state: QueueState, r: Read<WorkerEventRecord>): void {
  const entry = state.workers.get(r.worker);
  if (!entry || entry.status === "stopped" || entry.status === "lost") return;
  switch (r.op) {
    case "heartbeat":
      entry.heartbeat = r.at;
      entry.heartbeatMs = Date.parse(r.at);
      return;
    case "stop":
      entry.status = "stopping";
      if (entry.stop !== "now") entry.stop = r.mode === "now" ? "now" : "drain";
      return;
    case "exit":
      entry.status = "stopped";
      entry.ended_at = r.at;
      releaseJob(entry);
      return;
    case "lost":
      entry.status = "lost";
      entry.ended_at = r.at;
      entry.reason = r.reason ?? null;
      releaseJob(entry);
      return;
    default:
      return unhandled(r);
  }
}

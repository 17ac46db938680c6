/**
 * The queue's in-memory state, rebuilt from the journal by the reducer.
 * @module
 */

import { QueueClaims } from "./claim_queue.ts";
import { type Config, DEFAULT_CONFIG } from "./config.ts";
import { isTerminal, JOB_STATES, type JobState, type StoredJob } from "./job.ts";
import type { JobInput } from "./job_input.ts";
import { emptyStats, type StatsState } from "./stats.ts";

/** A named queue's settings: paused queues are not claimed from; a cap of 0 means none. */
export interface QueueSettings {
  paused: boolean;
  concurrency: number;
}

/** A recurring job. */
export interface Schedule {
  name: string;
  cron: string;
  timezone: string;
  job: JobInput;
  paused: boolean;
  /** Ticks after this instant count (added, replaced or resumed then): no backfill before. */
  since: string;
  /** The last tick that fired. */
  last_run: string | null;
}

export { DEFAULT_QUEUE } from "./job.ts";

/** A worker's lifecycle: `lost` means it vanished without recording its exit. */
export type WorkerStatus = "running" | "stopping" | "stopped" | "lost";

/** How a worker was asked to stop: let running jobs finish, or kill and requeue them. */
export type StopMode = "drain" | "now";

/** A worker process as the queue knows it. */
export interface WorkerEntry {
  id: string;
  pid: number;
  host: string;
  /** The process's start time as the OS reports it, to tell a reused pid apart. */
  pstart: string | null;
  status: WorkerStatus;
  started_at: string;
  heartbeat: string;
  heartbeatMs: number;
  /** The job it started last of those it runs, if any (`jobs` has them all). */
  job: string | null;
  /** Every job it runs, oldest first: several with `--concurrency`. */
  jobs: string[];
  /** The queues it claims from; `null` for every queue. */
  queues: string[] | null;
  stop: StopMode | null;
  ended_at: string | null;
  reason: string | null;
}

/** Everything the journal's records add up to. */
export interface QueueState {
  jobs: Map<string, StoredJob>;
  workers: Map<string, WorkerEntry>;
  config: Config;
  /** Jobs per state, kept up to date by every transition. */
  counts: Record<JobState, number>;
  /** Claimable jobs in claim order, per queue, kept up to date by every transition. */
  claims: QueueClaims;
  /** Settings of the named queues that have any (paused, a concurrency cap). */
  queues: Map<string, QueueSettings>;
  /** Processing jobs per queue, for the concurrency caps. */
  running: Map<string, number>;
  /** Recurring jobs by name. */
  schedules: Map<string, Schedule>;
  /** What happened, counted: totals that never go backwards, minutes, recent runs. */
  stats: StatsState;
  /** For each job, the jobs that depend on it. */
  dependents: Map<string, Set<string>>;
  /** The job holding each unique key: only jobs that are not terminal hold one. */
  uniqueKeys: Map<string, string>;
  /** Processing jobs whose cancel was asked for: their workers kill them. */
  cancelRequests: Set<string>;
}

/**
 * A fresh, empty queue state with default settings.
 * @returns The state.
 */
export function emptyQueueState(): QueueState {
  const counts = {} as Record<JobState, number>;
  for (const state of JOB_STATES) counts[state] = 0;
  return {
    jobs: new Map(),
    workers: new Map(),
    config: { ...DEFAULT_CONFIG },
    counts,
    claims: new QueueClaims(),
    queues: new Map(),
    running: new Map(),
    schedules: new Map(),
    stats: emptyStats(),
    dependents: new Map(),
    uniqueKeys: new Map(),
    cancelRequests: new Set(),
  };
}

/**
 * Moves a job to another state, keeping the per-state counts right.
 * @param state The queue state.
 * @param job A job of `state`.
 * @param to The new state.
 */
export function moveJob(state: QueueState, job: StoredJob, to: JobState): void {
  state.counts[job.state]--;
  state.counts[to]++;
  if (job.state === "processing") countRunning(state, job.queue, -1);
  if (to === "processing") countRunning(state, job.queue, 1);
  job.state = to;
  holdUniqueKey(state, job);
}

function countRunning(state: QueueState, queue: string, delta: number): void {
  const n = (state.running.get(queue) ?? 0) + delta;
  if (n > 0) state.running.set(queue, n);
  else state.running.delete(queue);
}

/** Keeps the unique-key index right after a job changed state. */
function holdUniqueKey(state: QueueState, job: StoredJob): void {
  if (job.unique_key === null) return;
  const holder = state.uniqueKeys.get(job.unique_key);
  if (isTerminal(job.state)) {
    if (holder === job.id) state.uniqueKeys.delete(job.unique_key);
  } else if (holder === undefined) {
    state.uniqueKeys.set(job.unique_key, job.id);
  }
}

/**
 * Tells the claim index that a job is claimable: call after it became pending or failed, or its
 * due time changed.
 * @param state The queue state.
 * @param job The job.
 */
export function offerJob(state: QueueState, job: StoredJob): void {
  if (job.state === "pending" || job.state === "failed") state.claims.push(job);
}

/**
 * Adds or replaces a job, keeping the per-state counts right.
 * @param state The queue state.
 * @param job The job.
 */
export function putJob(state: QueueState, job: StoredJob): void {
  const previous = state.jobs.get(job.id);
  if (previous) state.counts[previous.state]--;
  if (previous?.state === "processing") countRunning(state, previous.queue, -1);
  state.jobs.set(job.id, job);
  state.counts[job.state]++;
  if (job.state === "processing") countRunning(state, job.queue, 1);
  offerJob(state, job);
  holdUniqueKey(state, job);
  for (const dependency of job.depends_on) {
    let set = state.dependents.get(dependency);
    if (!set) state.dependents.set(dependency, set = new Set());
    set.add(job.id);
  }
  if (job.state === "processing" && job.cancel_requested_at !== null) {
    state.cancelRequests.add(job.id);
  }
}

/**
 * A worker started a job: it runs it beside any others it runs (slots).
 * @param worker The worker.
 * @param jobId The job.
 */
export function holdJob(worker: WorkerEntry, jobId: string): void {
  if (!worker.jobs.includes(jobId)) worker.jobs = [...worker.jobs, jobId];
  worker.job = jobId;
}

/**
 * A worker's run of a job ended (or every run ended: no `jobId`).
 * @param worker The worker.
 * @param jobId The job; all of them when left out.
 */
export function releaseJob(worker: WorkerEntry, jobId?: string): void {
  worker.jobs = jobId === undefined ? [] : worker.jobs.filter((id) => id !== jobId);
  worker.job = worker.jobs.at(-1) ?? null;
}

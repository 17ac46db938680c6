/**
 * The queue store interface: every operation the CLI and the workers need, independent of the
 * backend (the journal today; PostgreSQL later).
 * @module
 */

import type { Config, ConfigKey } from "./config.ts";
import type { Job, JobState } from "./job.ts";
import type { JobInput } from "./job_input.ts";
import type { QueueView } from "./queue_view.ts";
import type { ScheduleSpec, ScheduleView } from "./schedules.ts";
import type { QueueMetrics, StatsReport } from "./stats.ts";
import type { StopMode, WorkerEntry } from "./state.ts";

/** Defaults an enqueue fills in from the caller's context. */
export interface EnqueueContext {
  /** Working directory for jobs that do not name one. */
  cwd: string;
}

/** A job a worker holds, with the lease that fences its completion. */
export interface Claim {
  job: Job;
  /** Fencing token: a completion carrying an older lease is ignored. */
  lease: number;
  workerId: string;
}

/** How one run of a job ended, as the executor saw it. */
export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** The run was killed because its job was canceled. */
  canceled?: boolean;
  /** Human-readable reason with a stderr tail; `null` on success. */
  error: string | null;
}

/** What happened to a job when its run was settled. */
export type SettleOutcome = "completed" | "failed" | "dead" | "canceled" | "released" | "ignored";

/** A job as an enqueue returns it: `duplicate` when its unique key matched an unfinished job. */
export type EnqueuedJob = Job & { duplicate?: true };

/** What a cancel did. */
export interface CancelReport {
  /** Jobs canceled at once, dependents included. */
  canceled: string[];
  /** Running jobs whose workers were asked to kill them. */
  stopping: string[];
}

/** A job a retry brought back, and the state it got. */
export interface RetriedJob {
  id: string;
  state: "pending" | "waiting";
}

/** What a retry did. */
export interface RetryReport {
  retried: RetriedJob[];
  /** Jobs left out of a `--all-…` retry, with why. */
  skipped: { id: string; reason: string }[];
}

/** Which jobs a retry takes: these ids, or every job in one state. */
export type RetryTarget = { ids: string[] } | { state: "dead" | "canceled" };

/** A worker process announcing itself. */
export interface WorkerRegistration {
  id: string;
  pid: number;
  host: string;
  pstart: string | null;
  /** The queues it claims from; every queue when absent. */
  queues?: string[];
}

/** A change to a named queue's settings. */
export interface QueueChange {
  paused?: boolean;
  /** Most jobs of the queue running at once, across all workers; 0 for no cap. */
  concurrency?: number;
}

/** Answers whether a worker process is alive: `undefined` when it cannot tell (other host). */
export type LivenessProbe = (worker: WorkerEntry) => Promise<boolean | undefined>;

/** How to find and handle lost workers. */
export interface RecoveryOptions {
  /** Tells whether a worker's process is alive; a `true` from it outweighs a late heartbeat. */
  probe: LivenessProbe;
  /** A worker not to judge (the caller itself). */
  exceptWorkerId?: string;
  /**
   * Called for each run whose worker is no longer live (lost, or exited without settling it),
   * after that worker was recorded lost and before the job is recovered: the place to kill what
   * the run left running, so that a recovered job never runs twice at once.
   */
  releaseRun?: (job: Job, worker: WorkerEntry | undefined) => Promise<void>;
}

/** What a recovery pass did. */
export interface RecoveryReport {
  lostWorkers: string[];
  requeued: string[];
  dead: string[];
}

/** Filters of `list` (and the dashboard's pages of jobs). */
export interface JobFilter {
  state?: JobState;
  queue?: string;
  /** Only jobs whose id or command contains this text, ignoring case. */
  search?: string;
  /** Skip this many matching jobs (newest first) before the `limit`. */
  offset?: number;
  limit?: number;
}

/** How much of a run's output a store that keeps logs holds: its last 1 MiB. */
export const LOG_BYTES_KEPT = 1 << 20;

/** Counts per state plus the total, as `status --json` prints them. */
export type JobCounts = Record<JobState | "total", number>;

/** A watch on a store's changes. */
export interface StoreWatch {
  close(): void;
  /** Whether changes are seen at all. */
  readonly watching: boolean;
}

/** Sizes before and after a compaction. */
export interface CompactionSummary {
  bytesBefore: number;
  bytesAfter: number;
  records: number;
}

/** The kept end of a run's output, as a store holds it. */
export interface StoredLog {
  /** The kept bytes: the output from byte `start` to byte `size`. */
  data: Uint8Array<ArrayBuffer>;
  /** Where `data` begins in the whole output (more than 0 once the start is dropped). */
  start: number;
  /** The whole output's size so far. */
  size: number;
}

/** The operations every queue backend provides. */
export interface QueueStore {
  /**
   * Adds jobs, all or none; a job whose unique key an unfinished job holds is not added, and that
   * job is returned for it, marked `duplicate`.
   */
  enqueue(inputs: JobInput[], context: EnqueueContext): Promise<EnqueuedJob[]>;
  /** Adds jobs, all or none, and returns only their ids: the cheapest way to enqueue. */
  submit(inputs: JobInput[], context: EnqueueContext): Promise<string[]>;
  /** Claims the next due job for `workerId`, or returns `null` when none is due. */
  claimNext(workerId: string): Promise<Claim | null>;
  /** Records how a claimed run ended; ignored when the lease is no longer current. */
  settle(claim: Claim, result: RunResult): Promise<SettleOutcome>;
  /** `settle`, then claim the next due job for the same worker, in one step. */
  settleAndClaimNext(
    claim: Claim,
    result: RunResult,
  ): Promise<{ outcome: SettleOutcome; next: Claim | null }>;
  /** Returns a claimed job to pending without counting the run (stop `--now`). */
  requeue(claim: Claim, reason: string): Promise<boolean>;
  /**
   * Ends a claimed run whose outcome could not be recorded: the run counts, and the job goes back
   * to pending (dead when no run is left). `false` when the claim was no longer current.
   */
  release(claim: Claim, reason: string): Promise<boolean>;
  /** Records a new worker process as running. */
  registerWorker(registration: WorkerRegistration): Promise<void>;
  /** Records that a worker is alive; returns its entry so it can see stop requests. */
  heartbeat(workerId: string): Promise<WorkerEntry | undefined>;
  /** Records a worker's clean exit. */
  workerExited(workerId: string): Promise<void>;
  /** Marks dead or stalled workers lost and recovers their jobs. */
  recoverLostWorkers(options: RecoveryOptions): Promise<RecoveryReport>;
  /** Asks every running worker to stop; returns those asked. */
  requestStop(mode: StopMode): Promise<WorkerEntry[]>;
  /**
   * `dlq retry`: dead jobs back to pending (or waiting), attempts reset, all checked first: an
   * unknown id is `NotFoundError`, a job not in the dead letter queue `ValidationError`.
   */
  retryDead(ids: string[]): Promise<RetryReport>;
  /**
   * Cancels jobs for good, all checked first: pending, waiting and failed ones at once (with the
   * jobs that wait for them), running ones by asking their workers to kill them.
   */
  cancel(ids: string[]): Promise<CancelReport>;
  /**
   * Runs dead, canceled or completed jobs again, all checked first: pending (or waiting), attempts
   * reset, history kept; the jobs their end canceled wait again. Returns every job brought back,
   * with the state this retry gave it. With a state as target (`--all-dead`), a job that cannot run
   * again (a dependency dead and not retried with it, its unique key taken) is left out and
   * reported; with ids, it refuses the whole retry.
   */
  retry(target: RetryTarget): Promise<RetryReport>;
  /** Running jobs of this worker whose cancel was asked for: the worker must kill them. */
  cancelRequests(workerId: string): Promise<string[]>;
  /** The current settings. */
  getConfig(): Promise<Config>;
  /** Changes one setting (already validated). */
  setConfig(key: ConfigKey, value: Config[ConfigKey]): Promise<Config>;
  /** One job; throws `NotFoundError` for an unknown id. */
  getJob(id: string): Promise<Job>;
  /** Jobs, newest first. */
  listJobs(filter?: JobFilter): Promise<Job[]>;
  /** Counts per state. */
  countJobs(): Promise<JobCounts>;
  /**
   * Counts per state and every worker, as `status` shows them: for a process that needs nothing
   * else, the journal backend answers without building the jobs.
   */
  summary(): Promise<{ jobs: JobCounts; workers: WorkerEntry[]; queues: QueueView[] }>;
  /** Every known worker. */
  listWorkers(): Promise<WorkerEntry[]>;
  /** Epoch ms when the next job not yet due becomes due (in a worker's queues), if any. */
  nextDueTime(workerId?: string): Promise<number | undefined>;
  /** Changes a named queue's settings (it need not have jobs yet). */
  setQueue(name: string, change: QueueChange): Promise<QueueView>;
  /** Every queue with jobs or settings, counted. */
  listQueues(): Promise<QueueView[]>;
  /** Adds a recurring job; an existing name is refused unless `replace`. */
  addSchedule(spec: ScheduleSpec, replace: boolean): Promise<ScheduleView>;
  /** Removes a schedule (the jobs it enqueued stay); `NotFoundError` for an unknown name. */
  removeSchedule(name: string): Promise<void>;
  /** Pauses or resumes a schedule; a resumed one does not backfill. */
  pauseSchedule(name: string, paused: boolean): Promise<ScheduleView>;
  /** What happened in a window of time (at most the last day): counts, rates, percentiles. */
  stats(query: { sinceMs: number; queue?: string }): Promise<StatsReport>;
  /** The figures `/metrics` reports. */
  metrics(): Promise<QueueMetrics>;
  /** Every schedule, with its next tick. */
  listSchedules(): Promise<ScheduleView[]>;
  /**
   * Enqueues the job of every tick that is due, each exactly once however many processes call
   * this; returns the ids enqueued. Workers call it on every tick of theirs.
   */
  fireSchedules(): Promise<string[]>;
  /**
   * Calls `onChange` whenever any process changes the queue (the journal file, or a database
   * notification), so idle workers and live pages wake without polling. Changes this store made
   * itself may not be reported: its caller knows of them.
   * @returns A handle: `close` it when done; `watching` is false when changes cannot be seen
   *   (no file notifications here): the caller then polls.
   */
  watch(onChange: () => void): StoreWatch;
  /**
   * Whether workers on other machines may share this store (and be judged by heartbeat alone): a
   * worker that cannot heartbeat must then stop its running job before others presume it dead.
   */
  readonly sharedAcrossHosts: boolean;
  /**
   * Whether the store itself keeps runs' output (the last {@linkcode LOG_BYTES_KEPT} bytes), so
   * that `logs` works from machines other than the worker's. The journal does not: a run's log
   * file in the queue home is its output.
   */
  readonly keepsLogs: boolean;
  /**
   * Adds output of a run, bytes `offset` onwards, while it runs and when it ends; keeps the last
   * {@linkcode LOG_BYTES_KEPT} bytes. A no-op where `keepsLogs` is false.
   */
  appendLog(jobId: string, run: number, offset: number, data: Uint8Array): Promise<void>;
  /** The kept output of a run from byte `from` on; `undefined` if none is kept. */
  readLog(jobId: string, run: number, from?: number): Promise<StoredLog | undefined>;
  /** Compacts the backend's storage now. */
  compact(): Promise<CompactionSummary>;
  /** Flushes and releases resources. */
  close(): Promise<void>;
}

/**
 * Jobs as the queue keeps them, and the public view printed by `show --json` and `list --json`.
 * @module
 */

/** The name of the queue of jobs that name none. */
export const DEFAULT_QUEUE = "default";

/** Every state a job can be in, in lifecycle order. */
export const JOB_STATES = [
  "pending",
  "waiting",
  "processing",
  "completed",
  "failed",
  "dead",
  "canceled",
] as const;

/**
 * A job's state: `waiting` for a dependency to complete, `failed` waits for a retry, `dead` is the
 * dead letter queue, `canceled` was stopped for good.
 */
export type JobState = typeof JOB_STATES[number];

/** States a job leaves only by a `retry`. */
export const TERMINAL_STATES: readonly JobState[] = ["completed", "dead", "canceled"];

/**
 * Whether a job in this state is finished (completed, dead or canceled).
 * @param state The state.
 * @returns `true` for a terminal state.
 */
export function isTerminal(state: JobState): boolean {
  return state === "completed" || state === "dead" || state === "canceled";
}

/** How one run of a job ended. */
export type AttemptOutcome =
  | "completed"
  | "failed"
  | "timed_out"
  | "lost"
  | "requeued"
  | "canceled";

/** One run of a job, as shown in its history. */
export interface Attempt {
  /** The run's number (1, 2, …, never reused): its log is `logs/<id>/<attempt>.log`. */
  attempt: number;
  worker_id: string;
  started_at: string;
  finished_at: string | null;
  /** `null` while it runs. */
  outcome: AttemptOutcome | null;
  exit_code: number | null;
  signal: string | null;
  error: string | null;
}

/** A job with every field the queue keeps. */
export interface Job {
  id: string;
  command: string;
  state: JobState;
  /** Runs started. A job with `max_retries = R` runs at most R + 1 times. */
  attempts: number;
  /**
   * Runs ever started, also those not counted as attempts (stopped with `--now`) and those before
   * a retry reset the attempts: each run's number, which names its log.
   */
  runs: number;
  max_retries: number;
  priority: number;
  run_at: string;
  /** Seconds, or `null` for no limit. */
  timeout: number | null;
  cwd: string;
  env: Record<string, string> | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
  next_run_at: string | null;
  exit_code: number | null;
  last_error: string | null;
  worker_id: string | null;
  /** The named queue it belongs to (`default` unless given). */
  queue: string;
  /** Jobs that must complete before this one runs. */
  depends_on: string[];
  /** Jobs that depend on this one (computed, not stored). */
  dependents: string[];
  /** While this job is not terminal, an enqueue with the same key adds nothing. */
  unique_key: string | null;
  /** When a cancel of this running job was asked for; its worker then kills it. */
  cancel_requested_at: string | null;
  history: Attempt[];
}

/** Bookkeeping the queue needs besides the public fields (dependents live in an index). */
export interface StoredJob extends Omit<Job, "dependents"> {
  /** Fencing token of the current claim: the claim record's sequence number. */
  lease: number | null;
  /** Enqueue order: the sequence number of the enqueue record. */
  order: number;
  /** When the job is due, in epoch milliseconds (`run_at`, or `next_run_at` after a failure). */
  dueMs: number;
  /** The dead or canceled job whose end canceled this one: its retry brings this one back. */
  canceled_by: string | null;
}

/** Longest attempt history kept per job; older entries are dropped. */
export const HISTORY_LIMIT = 50;

/**
 * The public view of a job: its fields in a fixed order, without bookkeeping.
 * @param job A stored job.
 * @param dependents The ids of the jobs that depend on it.
 * @returns A plain object ready for `JSON.stringify`.
 */
export function jobView(job: StoredJob, dependents: Iterable<string> = []): Job {
  return {
    id: job.id,
    command: job.command,
    state: job.state,
    attempts: job.attempts,
    runs: job.runs,
    max_retries: job.max_retries,
    priority: job.priority,
    run_at: job.run_at,
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
    queue: job.queue,
    depends_on: [...job.depends_on],
    dependents: [...dependents],
    unique_key: job.unique_key,
    cancel_requested_at: job.cancel_requested_at,
    history: job.history.map((attempt) => ({ ...attempt })),
  };
}

/**
 * `/api/…`: the same JSON as the CLI's `--json` (read only; changes go through the pages' POST
 * forms or the CLI). Lists of jobs are paged (`limit`, default 100, at most 10,000, and
 * `offset`), unlike `list --json`: a queue of 100,000 jobs would otherwise answer 100 MB.
 * @module
 */

import { type WorkerStatusView, workerViews } from "../cli/worker_views.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import { parseDuration } from "../queue/duration.ts";
import {
  isValidQueueName,
  JOB_STATES,
  type JobState,
  type LivenessProbe,
  type QueueStore,
} from "../queue/mod.ts";
import { MINUTES_KEPT } from "../queue/stats.ts";
import { readRunLog } from "./log_file.ts";

/** Default and largest page of jobs. */
export const API_DEFAULT_LIMIT = 100;
export const API_MAX_LIMIT = 10_000;
/** Most of a log `/api/jobs/<id>/logs` answers: its last 64 MiB. */
export const API_MAX_LOG_BYTES = 64 * 2 ** 20;

function integerParam(url: URL, name: string, fallback: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > max) {
    throw new ValidationError(
      `Parameter "${name}" must be an integer from 0 to ${max}, got "${raw}"`,
    );
  }
  return n;
}

function stateParam(url: URL): JobState | undefined {
  const raw = url.searchParams.get("state");
  if (raw === null) return undefined;
  if (!(JOB_STATES as readonly string[]).includes(raw)) {
    throw new ValidationError(
      `Parameter "state" must be one of ${JOB_STATES.join(", ")}, got "${raw}"`,
    );
  }
  return raw as JobState;
}

function queueParam(url: URL): string | undefined {
  const raw = url.searchParams.get("queue");
  if (raw === null) return undefined;
  if (!isValidQueueName(raw)) {
    throw new ValidationError(`Queue name "${raw}" must be 1-64 of A-Z a-z 0-9 . _ -`);
  }
  return raw;
}

/**
 * A list of jobs as `list --json` prints it, filtered and paged by the query.
 * @param store The queue.
 * @param url The request's URL: `state`, `queue`, `q`, `offset`, `limit`.
 * @param only A state the route fixes (the dead letter queue).
 * @returns The jobs.
 */
export async function apiJobs(store: QueueStore, url: URL, only?: JobState): Promise<unknown> {
  const state = only ?? stateParam(url);
  const queue = queueParam(url);
  const search = url.searchParams.get("q") ?? "";
  return await store.listJobs({
    ...(state === undefined ? {} : { state }),
    ...(queue === undefined ? {} : { queue }),
    ...(search === "" ? {} : { search }),
    offset: integerParam(url, "offset", 0, Number.MAX_SAFE_INTEGER),
    limit: integerParam(url, "limit", API_DEFAULT_LIMIT, API_MAX_LIMIT),
  });
}

/**
 * `status --json`: counts, workers as they look now, queues.
 * @param store The queue.
 * @param probe Tells whether a worker's process is alive.
 * @returns The status.
 */
export async function apiStatus(
  store: QueueStore,
  probe: LivenessProbe,
): Promise<{ jobs: unknown; workers: WorkerStatusView[]; queues: unknown }> {
  const summary = await store.summary();
  return {
    jobs: summary.jobs,
    workers: await workerViews(summary.workers, probe),
    queues: summary.queues,
  };
}

/**
 * `stats --json`: the window `since` (default 1h, at most a day), for one `queue` or all.
 * @param store The queue.
 * @param url The request's URL.
 * @param nowMs The current time.
 * @returns The report.
 */
export async function apiStats(store: QueueStore, url: URL, nowMs: number): Promise<unknown> {
  const raw = url.searchParams.get("since");
  const seconds = raw === null ? 3600 : parseDuration(raw);
  if (seconds === undefined || seconds <= 0 || seconds > MINUTES_KEPT * 60) {
    throw new ValidationError(
      `Parameter "since" must be a duration up to 24h (e.g. 15m), got "${raw}"`,
    );
  }
  const queue = queueParam(url);
  return await store.stats({
    sinceMs: nowMs - seconds * 1000,
    ...(queue === undefined ? {} : { queue }),
  });
}

/**
 * `logs --json`: `{id, attempt, log}` of the latest run or `?attempt=N` (its last 64 MiB).
 * @param store The queue.
 * @param home The queue home.
 * @param id The job.
 * @param url The request's URL.
 * @returns The log.
 */
export async function apiLogs(
  store: QueueStore,
  home: string,
  id: string,
  url: URL,
): Promise<unknown> {
  const job = await store.getJob(id);
  const latest = job.history.at(-1)?.attempt ?? 0;
  const attempt = integerParam(url, "attempt", latest, Math.max(latest, job.attempts));
  if (attempt === 0) throw new NotFoundError(`Job "${id}" has not run yet: no output`);
  const log = await readRunLog(store, home, id, attempt, undefined, API_MAX_LOG_BYTES, false);
  if (!log.exists) throw new NotFoundError(`No output kept for job "${id}" attempt ${attempt}`);
  return { id, attempt, log: log.text };
}

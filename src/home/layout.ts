/**
 * The files of a queue home besides the journal: per-attempt job logs and worker logs.
 * @module
 */

import { basename, dirname, join } from "../platform/paths.ts";
import { isValidJobId } from "../queue/job_input.ts";

/** Folder of job output logs inside a home. */
export const LOGS_DIR = "logs";
/** Folder of worker diagnostics inside a home. */
export const WORKERS_DIR = "workers";

/**
 * The folder holding a job's logs: `logs/<job-id>`. The id is checked again here so that no id
 * can name a path outside `logs/`, whatever the journal says.
 * @param home The queue home.
 * @param jobId The job's id.
 * @returns An absolute path.
 */
export function jobLogDir(home: string, jobId: string): string {
  if (!isValidJobId(jobId)) throw new RangeError(`Job id "${jobId}" cannot name a log folder`);
  return join(home, LOGS_DIR, jobId);
}

/**
 * The output log of one attempt: `logs/<job-id>/<attempt>.log`.
 * @param home The queue home.
 * @param jobId The job's id.
 * @param attempt The attempt number (1-based).
 * @returns An absolute path.
 */
export function attemptLogPath(home: string, jobId: string, attempt: number): string {
  if (!Number.isSafeInteger(attempt) || attempt < 1) {
    throw new RangeError(`Attempt "${attempt}" is not a positive integer`);
  }
  return join(jobLogDir(home, jobId), `${attempt}.log`);
}

/**
 * The home an attempt log belongs to: `<home>` of `<home>/logs/<job-id>/<attempt>.log`.
 * @param path An attempt log's path, as {@linkcode attemptLogPath} makes it.
 * @returns The queue home.
 * @throws {RangeError} if `path` is not laid out as an attempt log.
 */
export function homeOfAttemptLog(path: string): string {
  const logs = dirname(dirname(path));
  if (basename(logs) !== LOGS_DIR || !path.endsWith(".log")) {
    throw new RangeError(`Path "${path}" is not an attempt log "<home>/logs/<id>/<n>.log"`);
  }
  return dirname(logs);
}

/**
 * A detached worker's own diagnostics log: `workers/<worker-id>.log`.
 * @param home The queue home.
 * @param workerId The worker's id.
 * @returns An absolute path.
 */
export function workerLogPath(home: string, workerId: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(workerId) || workerId.startsWith(".")) {
    throw new RangeError(`Worker id "${workerId}" cannot name a log file`);
  }
  return join(home, WORKERS_DIR, `${workerId}.log`);
}

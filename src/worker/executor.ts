/**
 * Runs one attempt of a job: `sh -c <command>` alone in a new session (so in a process group of
 * its own), started the cheapest way this machine allows (`job_process.ts`: through the worker's
 * resident launcher, else `setsid(1)`, else a detached spawn), in the job's directory, with the
 * worker's environment plus the job's `env`. The shell itself sends stdout and stderr to the
 * attempt's log file, so output never passes through the worker. A timeout or an abort sends
 * SIGTERM to the whole group, then SIGKILL after a grace period; when the job's shell exits,
 * whatever it left in its group is killed, so no grandchild outlives the job.
 * @module
 */

import { createPrivateFile } from "../home/private_file.ts";
import { clampTimerMs, type LongTimer, setLongTimeout } from "../platform/timers.ts";
import type { RunResult } from "../queue/mod.ts";
import { type JobProcess, startJobProcess } from "./job_process.ts";
import { LauncherGoneError } from "./launcher.ts";
import { killRunLeftovers } from "./orphans.ts";

/** What to run. */
export interface ExecutionRequest {
  jobId: string;
  /** The attempt this run counts as (`QUEUECTL_ATTEMPT`). */
  attempt: number;
  /** The run's own number, never reused (`QUEUECTL_RUN`; names its log). */
  run: number;
  /** The worker running it; jobs carry it in `QUEUECTL_WORKER_ID` so leftovers can be found. */
  workerId: string;
  command: string;
  cwd: string;
  env: Record<string, string> | null;
  /** Seconds, or `null` for no limit. */
  timeout: number | null;
  /** Where stdout and stderr go; created 0600 (its folder 0700), or truncated. */
  logPath: string;
  /** Aborting kills the run (stop `--now`, or the worker was presumed dead). */
  signal?: AbortSignal;
  /** Milliseconds between SIGTERM and SIGKILL. */
  killGraceMs?: number;
}

/** How the run ended; `aborted` runs are not failures of the job. */
export interface ExecutionResult extends RunResult {
  aborted: boolean;
  durationMs: number;
}

/** Default milliseconds between SIGTERM and SIGKILL. */
export const DEFAULT_KILL_GRACE_MS = 5000;
/** How much of the end of the output goes into `last_error`. */
export const OUTPUT_TAIL_BYTES = 512;

/**
 * Why a run is aborted, as its abort signal's reason; `graceMs` overrides the time between
 * SIGTERM and SIGKILL (a worker that must stop a job before a deadline).
 */
export class AbortRun {
  constructor(readonly why: string, readonly graceMs?: number) {}
}

/**
 * The line the job's shell runs before the command: send both streams to the log file, which the
 * worker created owner-only beforehand. The command follows on the next line, so it runs exactly
 * as `sh -c <command>` would, in the same shell, with the worker's umask (the user's).
 */
const REDIRECT_PREFIX = 'exec >>"$QUEUECTL_LOG" 2>&1\n';

/** The shell, by absolute path: a job's own `PATH` must not decide whether it can start. */
const SHELL = "/bin/sh";

/**
 * Runs one attempt and waits for it to end. Never throws for the job's own failures: a command
 * that cannot even start (missing `cwd`) is reported as a failed run.
 * Requires `--allow-run` (unscoped, for process-group kills) and `--allow-write` for the log.
 * @param request What to run.
 * @returns Exit code or signal, timeout flag, and an error line with the output's tail.
 */
export async function executeJob(request: ExecutionRequest): Promise<ExecutionResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  /** A run that could not start; `logged`: its log file exists (it was created new here). */
  const cannotStart = async (reason: string, logged: boolean): Promise<ExecutionResult> => {
    const message = `cannot start: ${reason}`;
    if (logged) {
      await Deno.writeTextFile(request.logPath, `queuectl: ${message}\n`, { append: true })
        .catch(() => {});
    }
    return {
      exitCode: null,
      signal: null,
      timedOut: false,
      aborted: false,
      error: message,
      durationMs: elapsed(),
    };
  };
  try {
    // Owner-only, new: whatever was planted at that path is removed, never written through.
    await createPrivateFile(request.logPath);
  } catch (error) {
    // Nothing is written then: whatever is at that path is not ours to write through.
    return await cannotStart(`cannot create log "${request.logPath}": ${messageOf(error)}`, false);
  }
  let job: JobProcess;
  try {
    job = await startJobProcess({
      argv: [SHELL, "-c", REDIRECT_PREFIX + request.command],
      cwd: request.cwd,
      env: {
        ...(request.env ?? {}),
        QUEUECTL_JOB_ID: request.jobId,
        QUEUECTL_ATTEMPT: String(request.attempt),
        QUEUECTL_RUN: String(request.run),
        QUEUECTL_WORKER_ID: request.workerId,
        QUEUECTL_LOG: request.logPath,
      },
    });
  } catch (error) {
    if (error instanceof LauncherGoneError) {
      // It died while starting the job, which may be running: whatever of it runs goes.
      await killRunLeftovers(request.jobId, request.workerId);
      return await cannotStart(`${error.message} while starting it`, true);
    }
    return await cannotStart(await spawnFailure(error, request.cwd), true);
  }

  let timedOut = false;
  let aborted = false;
  const grace = request.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const timers: LongTimer[] = [];
  const terminate = (graceMs = grace) => {
    job.kill("SIGTERM");
    timers.push(setLongTimeout(() => job.kill("SIGKILL"), clampTimerMs(graceMs)));
  };
  if (request.timeout !== null && request.timeout > 0) {
    timers.push(setLongTimeout(() => {
      timedOut = true;
      terminate();
    }, request.timeout * 1000));
  }
  const onAbort = () => {
    aborted = true;
    const reason: unknown = request.signal?.reason;
    terminate(reason instanceof AbortRun && reason.graceMs !== undefined ? reason.graceMs : grace);
  };
  if (request.signal?.aborted) onAbort();
  else request.signal?.addEventListener("abort", onAbort, { once: true });

  const status = await job.end;
  for (const timer of timers) timer.clear();
  request.signal?.removeEventListener("abort", onAbort);
  // Whatever the job left running in its group goes with it: no orphans.
  job.kill("SIGKILL");
  // A run that was killed may have processes outside its group (`set -m`, setsid): find them by
  // the markers in their environment. (A job that ends by itself may leave a daemon on purpose.)
  // So may a run whose launcher died: nothing is left to tell how it ends, so it ends now.
  if (timedOut || aborted || status.lost !== undefined) {
    await killRunLeftovers(request.jobId, request.workerId);
  }
  if (status.lost !== undefined) {
    return {
      exitCode: null,
      signal: null,
      timedOut,
      aborted,
      error: `killed: ${status.lost} while the job ran, so its end could not be known`,
      durationMs: elapsed(),
    };
  }

  const signal = status.signal;
  const exitCode = status.code;
  const failed = timedOut || signal !== null || exitCode !== 0;
  const tail = failed ? await readTail(request.logPath, OUTPUT_TAIL_BYTES) : "";
  return {
    exitCode,
    signal,
    timedOut,
    aborted,
    error: describeFailure(exitCode, signal, timedOut, request.timeout, tail),
    durationMs: elapsed(),
  };
}

/**
 * The last `bytes` of a file as text (a partial first character dropped).
 * @param path The file.
 * @param bytes How much to read.
 * @returns The text, or `""` if the file cannot be read.
 */
export async function readTail(path: string, bytes: number): Promise<string> {
  try {
    using file = await Deno.open(path, { read: true });
    const size = (await file.stat()).size;
    const start = Math.max(0, size - bytes);
    await file.seek(start, Deno.SeekMode.Start);
    const buffer = new Uint8Array(size - start);
    let read = 0;
    while (read < buffer.length) {
      const n = await file.read(buffer.subarray(read));
      if (n === null || n === 0) break;
      read += n;
    }
    return new TextDecoder().decode(buffer.subarray(0, read)).replace(/^\uFFFD+/, "");
  } catch {
    return "";
  }
}

/**
 * The one-line reason a run failed, with the output's tail; `null` for a clean exit.
 * @param exitCode The exit code, or `null` if killed by a signal.
 * @param signal The signal's name, or `null`.
 * @param timedOut Whether the timeout fired.
 * @param timeout The timeout in seconds.
 * @param outputTail The last characters the job wrote.
 * @returns The reason, or `null`.
 */
export function describeFailure(
  exitCode: number | null,
  signal: string | null,
  timedOut: boolean,
  timeout: number | null,
  outputTail: string,
): string | null {
  let reason: string;
  if (timedOut) reason = `timed out after ${timeout}s`;
  else if (signal !== null) reason = `killed by ${signal}`;
  else if (exitCode === 0) return null;
  else if (exitCode === 127) reason = "exit code 127 (command not found)";
  else if (exitCode === 126) reason = "exit code 126 (command not executable)";
  else reason = `exit code ${exitCode}`;
  const tail = outputTail.trim();
  return tail.length > 0 ? `${reason}: ${tail}` : reason;
}

/** Why a spawn failed, in words: the usual cause is a working directory that is gone. */
async function spawnFailure(error: unknown, cwd: string): Promise<string> {
  if (error instanceof Deno.errors.NotFound) {
    try {
      const info = await Deno.stat(cwd);
      if (!info.isDirectory) return `working directory "${cwd}" is not a directory`;
    } catch {
      return `working directory "${cwd}" does not exist`;
    }
    return `${SHELL} not found`;
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return `permission denied (working directory "${cwd}" or ${SHELL})`;
  }
  return messageOf(error);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs one attempt of a job: `sh -c <command>` in its own process group, in the job's directory,
 * with the worker's environment plus the job's `env`, output captured to the attempt's log file.
 * A timeout or an abort sends SIGTERM to the whole group, then SIGKILL after a grace period, so no
 * grandchild outlives the job.
 * @module
 */

import { dirname } from "node:path";
import type { RunResult } from "../queue/mod.ts";
import { killProcessGroup } from "./process_group.ts";
import { OutputTail } from "./output_tail.ts";

/** What to run. */
export interface ExecutionRequest {
  jobId: string;
  attempt: number;
  command: string;
  cwd: string;
  env: Record<string, string> | null;
  /** Seconds, or `null` for no limit. */
  timeout: number | null;
  /** Where stdout and stderr go; its folder is created (0700) if missing. */
  logPath: string;
  /** Where to record the process group's pid while the job runs (removed afterwards). */
  pidPath?: string;
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
const STDERR_TAIL_CHARS = 512;
const PIPE_DRAIN_MS = 2000;

/**
 * Runs one attempt and waits for it to end. Never throws for the job's own failures: a command
 * that cannot even start (missing `cwd`) is reported as a failed run.
 * Requires `--allow-run` (unscoped, for process-group kills) and `--allow-write` for the log.
 * @param request What to run.
 * @returns Exit code or signal, timeout flag, and an error line with a stderr tail.
 */
export async function executeJob(request: ExecutionRequest): Promise<ExecutionResult> {
  const started = performance.now();
  await Deno.mkdir(dirname(request.logPath), { recursive: true, mode: 0o700 });
  const log = await Deno.open(request.logPath, {
    write: true,
    create: true,
    truncate: true,
    mode: 0o600,
  });
  try {
    return await runInGroup(request, log, started);
  } finally {
    log.close();
  }
}

async function runInGroup(
  request: ExecutionRequest,
  log: Deno.FsFile,
  started: number,
): Promise<ExecutionResult> {
  const elapsed = () => Math.round(performance.now() - started);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("sh", {
      args: ["-c", request.command],
      cwd: request.cwd,
      env: {
        ...(request.env ?? {}),
        QUEUECTL_JOB_ID: request.jobId,
        QUEUECTL_ATTEMPT: String(request.attempt),
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    }).spawn();
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? `working directory "${request.cwd}" does not exist`
      : error instanceof Error
      ? error.message
      : String(error);
    const message = `cannot start: ${reason}`;
    await log.write(new TextEncoder().encode(`queuectl: ${message}\n`));
    return {
      exitCode: null,
      signal: null,
      timedOut: false,
      aborted: false,
      error: message,
      durationMs: elapsed(),
    };
  }

  if (request.pidPath) {
    await Deno.writeTextFile(request.pidPath, `${child.pid}\n`, { mode: 0o600 }).catch(() => {});
  }
  const tail = new OutputTail(STDERR_TAIL_CHARS);
  let writes = Promise.resolve();
  const writeChunk = (chunk: Uint8Array) => {
    writes = writes.then(async () => {
      let written = 0;
      while (written < chunk.length) written += await log.write(chunk.subarray(written));
    });
    return writes;
  };
  const pumps = Promise.all([
    pump(child.stdout, writeChunk),
    pump(child.stderr, (chunk) => {
      tail.push(chunk);
      return writeChunk(chunk);
    }),
  ]);

  let timedOut = false;
  let aborted = false;
  const grace = request.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const timers: ReturnType<typeof setTimeout>[] = [];
  const terminate = () => {
    killProcessGroup(child.pid, "SIGTERM");
    timers.push(setTimeout(() => killProcessGroup(child.pid, "SIGKILL"), grace));
  };
  if (request.timeout !== null) {
    timers.push(setTimeout(() => {
      timedOut = true;
      terminate();
    }, request.timeout * 1000));
  }
  const onAbort = () => {
    aborted = true;
    terminate();
  };
  if (request.signal?.aborted) onAbort();
  else request.signal?.addEventListener("abort", onAbort, { once: true });

  const status = await child.status;
  for (const timer of timers) clearTimeout(timer);
  request.signal?.removeEventListener("abort", onAbort);
  // Whatever the job left running in its group goes with it: no orphans, and the pipes close.
  killProcessGroup(child.pid, "SIGKILL");
  await drain(pumps, child);
  await writes;
  if (request.pidPath) await Deno.remove(request.pidPath).catch(() => {});

  const signal = status.signal ?? null;
  const exitCode = signal === null ? status.code : null;
  return {
    exitCode,
    signal,
    timedOut,
    aborted,
    error: describeFailure(exitCode, signal, timedOut, request.timeout, tail.text()),
    durationMs: elapsed(),
  };
}

async function pump(
  stream: ReadableStream<Uint8Array>,
  onChunk: (chunk: Uint8Array) => Promise<void>,
): Promise<void> {
  for await (const chunk of stream) await onChunk(chunk);
}

async function drain(pumps: Promise<unknown>, child: Deno.ChildProcess): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((
    resolve,
  ) => (timer = setTimeout(() => resolve("late"), PIPE_DRAIN_MS)));
  const outcome = await Promise.race([pumps.then(() => "done" as const), late]);
  clearTimeout(timer);
  if (outcome === "late") {
    // A process that left the group (setsid) still holds the pipes: stop reading them.
    await Promise.allSettled([child.stdout.cancel(), child.stderr.cancel()]);
    await pumps.catch(() => {});
  }
}

/**
 * The one-line reason a run failed, with the stderr tail; `null` for a clean exit.
 * @param exitCode The exit code, or `null` if killed by a signal.
 * @param signal The signal's name, or `null`.
 * @param timedOut Whether the timeout fired.
 * @param timeout The timeout in seconds.
 * @param stderrTail The last characters the job wrote to stderr.
 * @returns The reason, or `null`.
 */
export function describeFailure(
  exitCode: number | null,
  signal: string | null,
  timedOut: boolean,
  timeout: number | null,
  stderrTail: string,
): string | null {
  let reason: string;
  if (timedOut) reason = `timed out after ${timeout}s`;
  else if (signal !== null) reason = `killed by ${signal}`;
  else if (exitCode === 0) return null;
  else if (exitCode === 127) reason = "exit code 127 (command not found)";
  else if (exitCode === 126) reason = "exit code 126 (command not executable)";
  else reason = `exit code ${exitCode}`;
  const tail = stderrTail.trim();
  return tail.length > 0 ? `${reason}: ${tail}` : reason;
}

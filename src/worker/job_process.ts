/**
 * Starting a job's process alone in a new session (so its own process group), the cheapest way
 * this machine allows: through the worker's resident launcher (`launcher.ts`); else, when perl
 * is missing or the launcher keeps dying, `setsid(1)` spawned without forking the worker; else
 * Deno's `detached` spawn, which forks the whole worker. See "Starting a job: how, and what it
 * costs" in docs/decisions.md for the measurements.
 * @module
 */

import { type LaunchedEnd, Launcher, LauncherGoneError } from "./launcher.ts";
import { killProcessGroup } from "./process_group.ts";

/** How a job's process is started, cheapest first. */
export type StartWay = "launcher" | "setsid" | "detached";

/** How a job's process ended; `lost` when its launcher died first and the end is unknown. */
export type JobEnd = LaunchedEnd;

/** What to start. */
export interface JobSpec {
  /** The program, by absolute path, then its arguments. */
  argv: [string, ...string[]];
  cwd: string;
  /** Set on top of the worker's environment. */
  env: Record<string, string>;
}

/** A job's process, alone in its own session: its pid is its process group's id. */
export interface JobProcess {
  readonly pid: number;
  readonly way: StartWay;
  readonly end: Promise<JobEnd>;
  /**
   * Signals the job's whole process group. Does nothing once the end is known, except for a
   * direct spawn, where it is how the group's leftovers are killed.
   */
  kill(signal: Deno.Signal): void;
}

/** Launcher deaths within this window, beyond the allowance, make the worker stop using one. */
const DEATH_WINDOW_MS = 60_000;
const DEATHS_ALLOWED = 3;
const ALL_WAYS: readonly StartWay[] = ["launcher", "setsid", "detached"];
const SETSID_PATHS: readonly string[] = ["/usr/bin/setsid", "/bin/setsid"];

/** Which ways `startJobProcess` may use, and where it looks for their programs. */
export interface StartOptions {
  /** The ways allowed besides `detached` (always the last resort), cheapest first; all by default. */
  ways?: readonly StartWay[];
  /** The perl for the launcher; by default `/usr/bin/perl`, else `perl` on `PATH`. */
  perl?: string;
  /** Where `setsid(1)` may be; by default `/usr/bin/setsid` and `/bin/setsid`. */
  setsidPaths?: readonly string[];
}

let options: Required<StartOptions> = { ways: ALL_WAYS, perl: "", setsidPaths: SETSID_PATHS };
let launcher: Promise<Launcher | undefined> | undefined;
let deaths: number[] = [];
let setsidProgram: Promise<string | undefined> | undefined;

/**
 * Starts a job's process, stdin from `/dev/null`, stdout and stderr to `/dev/null`. Requires
 * `--allow-run` (unscoped) and `--allow-read`.
 * @param spec What to start.
 * @returns The running process.
 * @throws {Deno.errors.NotFound} when the working directory or the program does not exist.
 * @throws {LauncherGoneError} with `mayHaveStarted` when the launcher died while starting it:
 *   the job may have started, and its end cannot be known.
 */
export async function startJobProcess(spec: JobSpec): Promise<JobProcess> {
  // A NUL byte cannot cross the launcher's pipe; Deno's own spawn rejects it with its own error.
  if (options.ways.includes("launcher") && !hasNul(spec)) {
    const live = await liveLauncher();
    if (live) {
      try {
        const { pid, end } = await live.launch(spec.argv, spec.cwd, spec.env);
        return launched(pid, end);
      } catch (error) {
        // Gone between the look and the request: nothing was sent, another way is safe.
        if (!(error instanceof LauncherGoneError && !error.mayHaveStarted)) throw error;
      }
    }
  }
  const setsid = await usableSetsid();
  if (setsid !== undefined) return spawnDirect(spec, "setsid", [setsid, ...spec.argv]);
  return spawnDirect(spec, "detached", spec.argv);
}

/**
 * The way the next job will be started (the launcher is started if it is to be used).
 * Requires `--allow-run`.
 * @returns The way.
 */
export async function jobStartWay(): Promise<StartWay> {
  if (options.ways.includes("launcher") && await liveLauncher()) return "launcher";
  return (await usableSetsid()) === undefined ? "detached" : "setsid";
}

/**
 * The running launcher's pid, if one runs.
 * @returns The pid, or `undefined`.
 */
export async function launcherPid(): Promise<number | undefined> {
  const current = await launcher;
  return current?.gone === undefined ? current?.pid : undefined;
}

/**
 * Chooses the ways `startJobProcess` may use and where their programs are, and stops the
 * current launcher (it kills the jobs it still runs); for tests and the spawn benchmark.
 * @param chosen What to change; everything back to the defaults when empty.
 */
export async function configureJobStart(chosen: StartOptions = {}): Promise<void> {
  options = {
    ways: chosen.ways ?? ALL_WAYS,
    perl: chosen.perl ?? "",
    setsidPaths: chosen.setsidPaths ?? SETSID_PATHS,
  };
  setsidProgram = undefined;
  await stopLauncher();
}

/**
 * Stops this process's launcher, if one runs (it kills the jobs it still runs); the next job
 * starts a new one. The launcher never keeps a process alive, so this is only needed where
 * every child process must be gone (a test's end).
 */
export async function stopLauncher(): Promise<void> {
  const current = launcher;
  launcher = undefined;
  deaths = [];
  await (await current)?.close();
}

/**
 * The running launcher: started on first use, started again after it died, unless it died too
 * often lately (or could never start): then `undefined`, and jobs are started the other ways.
 */
async function liveLauncher(): Promise<Launcher | undefined> {
  for (;;) {
    const pending = launcher ??= openLauncher();
    const current = await pending;
    if (current === undefined || current.gone === undefined) return current;
    if (launcher !== pending) continue; // another job already replaced it
    const now = Date.now();
    deaths = [...deaths.filter((at) => now - at < DEATH_WINDOW_MS), now];
    launcher = deaths.length > DEATHS_ALLOWED ? Promise.resolve(undefined) : openLauncher();
  }
}

function openLauncher(): Promise<Launcher | undefined> {
  return Launcher.start(options.perl).catch(() => undefined);
}

function usableSetsid(): Promise<string | undefined> {
  if (!options.ways.includes("setsid")) return Promise.resolve(undefined);
  return setsidProgram ??= findSetsid(options.setsidPaths);
}

function hasNul(spec: JobSpec): boolean {
  const strings = [...spec.argv, spec.cwd, ...Object.keys(spec.env), ...Object.values(spec.env)];
  return strings.some((text) => text.includes("\0"));
}

function launched(pid: number, end: Promise<LaunchedEnd>): JobProcess {
  let ended = false;
  return {
    pid,
    way: "launcher",
    end: end.then((result) => {
      ended = true;
      return result;
    }),
    kill(signal) {
      // Once the end is known, the launcher has already killed what was left of the group.
      if (!ended) killProcessGroup(pid, signal);
    },
  };
}

function spawnDirect(spec: JobSpec, way: StartWay, argv: string[]): JobProcess {
  const child = new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    cwd: spec.cwd,
    env: spec.env,
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: way === "detached",
  }).spawn();
  const pid = child.pid;
  let ended = false;
  return {
    pid,
    way,
    end: child.status.then((status) => {
      ended = true;
      return status.signal === null
        ? { code: status.code, signal: null }
        : { code: null, signal: status.signal };
    }),
    kill(signal) {
      if (killProcessGroup(pid, signal) || ended || way !== "setsid") return;
      // setsid(1) has not called setsid() yet: the process is still in the worker's group, has
      // started nothing, and is killed alone.
      try {
        Deno.kill(pid, signal);
      } catch {
        // Gone meanwhile.
      }
    },
  };
}

/**
 * util-linux's (or busybox's) `setsid`, by absolute path, if it runs a program as its own
 * session's leader under the pid it was started with (that is, without forking).
 */
async function findSetsid(paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) {
    try {
      const child = new Deno.Command(path, {
        args: ["/bin/sh", "-c", 'kill -0 -$$ 2>/dev/null && echo "$$"'],
        stdin: "null",
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const { success, stdout } = await child.output();
      if (success && new TextDecoder().decode(stdout).trim() === String(child.pid)) return path;
    } catch {
      // Not there, or not usable: the next one.
    }
  }
  return undefined;
}

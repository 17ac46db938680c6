/**
 * Test helper: queuectl as a user runs it, a separate process with the explicit permission flags,
 * plus the clean-up that stops any worker a test started.
 * @module
 */

import { fileURLToPath } from "node:url";
import { PERMISSION_FLAGS } from "../../src/permissions.ts";
import type { Job } from "../../src/queue/mod.ts";
import { waitFor, withTempHome } from "../_temp_home.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));

/** What a run printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of one run. */
export interface CliOptions {
  stdin?: string;
  cwd?: string;
  env?: Record<string, string>;
}

/**
 * Runs `queuectl --home <home> <args…>` to completion.
 * @param home The queue home.
 * @param args The arguments.
 * @param options Standard input, working directory, extra environment.
 * @returns Exit code and output.
 */
export async function queuectl(
  home: string,
  args: string[],
  options: CliOptions = {},
): Promise<CliResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      ...PERMISSION_FLAGS,
      `--config=${CONFIG}`,
      MAIN,
      "--home",
      home,
      ...args,
    ],
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...(options.env ?? {}) },
    ...(options.cwd ? { cwd: options.cwd } : {}),
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  return {
    code,
    stdout: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
  };
}

/**
 * Runs queuectl and fails unless it exits 0.
 * @returns Its stdout.
 */
export async function ok(home: string, args: string[], options: CliOptions = {}): Promise<string> {
  const result = await queuectl(home, args, options);
  if (result.code !== 0) {
    throw new Error(`queuectl ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  }
  return result.stdout;
}

/** Runs queuectl with `--json` and parses stdout. */
export async function json<T = unknown>(home: string, args: string[]): Promise<T> {
  return JSON.parse(await ok(home, [...args, "--json"])) as T;
}

/** A job as `show --json` prints it: the public view. */
export type JobJson = Job;

/** A worker as `status --json` prints it. */
export interface WorkerJson {
  id: string;
  pid: number;
  status: string;
  job: string | null;
}

/**
 * Runs a test on a temp home; afterwards kills any worker still running there, so no test leaves
 * processes behind even when it fails.
 * @param body The test.
 */
export function withQueue(body: (home: string) => Promise<void>): Promise<void> {
  return withTempHome(async (home) => {
    try {
      await body(home);
    } finally {
      await stopAllWorkers(home);
    }
  });
}

async function stopAllWorkers(home: string): Promise<void> {
  const status = await queuectl(home, ["status", "--json"]);
  if (status.code !== 0) return;
  const workers = (JSON.parse(status.stdout) as { workers: WorkerJson[] }).workers;
  for (const worker of workers) {
    if (worker.status !== "running" && worker.status !== "stopping") continue;
    try {
      Deno.kill(worker.pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
}

/**
 * Waits until a job satisfies `predicate`, polling `show --json`.
 * @returns The job.
 */
export function waitForJob(
  home: string,
  id: string,
  predicate: (job: JobJson) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<JobJson> {
  return waitFor(what, async () => {
    const job = await json<JobJson>(home, ["show", id]);
    return predicate(job) ? job : undefined;
  }, timeoutMs);
}

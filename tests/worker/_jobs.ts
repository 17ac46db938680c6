/**
 * Test helpers for running jobs through `executeJob` with one way of starting them.
 * @module
 */

import { join } from "node:path";
import {
  executeJob,
  type ExecutionRequest,
  type ExecutionResult,
} from "../../src/worker/executor.ts";
import {
  configureJobStart,
  jobStartWay,
  type StartOptions,
  type StartWay,
} from "../../src/worker/job_process.ts";
import { withTempHome } from "../_temp_home.ts";

export const WAYS: readonly StartWay[] = ["launcher", "setsid", "detached"];

/** A queue home and a way of starting jobs, the default way (and no launcher) afterwards. */
export async function withWay<T>(
  way: StartWay | StartOptions,
  body: (home: string, run: (request: Partial<ExecutionRequest>) => Promise<Ran>) => Promise<T>,
): Promise<T> {
  const options = typeof way === "string" ? { ways: [way] } : way;
  await configureJobStart(options);
  try {
    if (typeof way === "string") {
      if ((await jobStartWay()) !== way) throw new Error(`${way} cannot be used here`);
    }
    return await withTempHome((home) => body(home, (request) => runJob(home, request)));
  } finally {
    await configureJobStart();
  }
}

/** A finished run and its log. */
export interface Ran {
  result: ExecutionResult;
  log: string;
}

let runs = 0;

/**
 * Runs a job in `home` (its cwd by default) and reads its log.
 * @param home The queue home.
 * @param request What differs from a plain `true` job.
 * @returns The result and the log's text.
 */
export async function runJob(home: string, request: Partial<ExecutionRequest>): Promise<Ran> {
  const id = request.jobId ?? `j${++runs}`;
  const logPath = request.logPath ?? join(home, "logs", id, "1.log");
  const result = await executeJob({
    jobId: id,
    attempt: 1,
    run: 1,
    workerId: "w-test",
    command: "true",
    cwd: home,
    env: null,
    timeout: null,
    logPath,
    ...request,
  });
  const log = await Deno.readTextFile(logPath).catch(() => "");
  return { result, log };
}

/** Whether a process is alive (a zombie counts as gone), through `/proc` read by `cat`. */
export async function alive(pid: number): Promise<boolean> {
  const { success, stdout } = await new Deno.Command("cat", {
    args: [`/proc/${pid}/stat`],
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!success) return false;
  const stat = new TextDecoder().decode(stdout);
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
}

/** Pid, process group and session of a `/proc/<pid>/stat` line. */
export function idsOf(stat: string): { pid: number; pgrp: number; session: number } {
  const [, , pgrp, session] = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
  return { pid: Number(stat.split(" ")[0]), pgrp: pgrp!, session: session! };
}

/** Reads a pid a job wrote, once it is there. */
export async function pidIn(path: string): Promise<number | undefined> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return /^\d+\n/.test(text) ? Number(text.trim()) : undefined;
}

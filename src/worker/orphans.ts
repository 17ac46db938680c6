/**
 * Killing what a dead worker left running. A worker records the pid of each job's process group
 * in `logs/<id>/<attempt>.pid`; when the worker is found dead on this host, its jobs' groups are
 * killed before the jobs are recovered, so a recovered job never runs twice at once.
 * @module
 */

import { join } from "node:path";
import { jobLogDir } from "../home/layout.ts";
import type { Job, WorkerEntry } from "../queue/mod.ts";
import { readProcFile } from "../platform/proc_files.ts";
import { hostName } from "./liveness.ts";
import { killProcessGroup } from "./process_group.ts";

/**
 * Path of the pid file of a job's attempt.
 * @param home The queue home.
 * @param jobId The job.
 * @param attempt The attempt.
 * @returns `logs/<id>/<attempt>.pid`.
 */
export function jobPidPath(home: string, jobId: string, attempt: number): string {
  return join(jobLogDir(home, jobId), `${attempt}.pid`);
}

/**
 * Kills the process groups of jobs a lost worker held, if that worker ran on this host. A group
 * is only killed when its leader still carries the job's id and attempt in its environment, so a
 * reused pid is never hit. Requires `--allow-read` and unscoped `--allow-run`.
 * @param home The queue home.
 * @param worker The lost worker.
 * @param jobs The jobs it held.
 * @returns Ids of the jobs whose leftovers were killed.
 */
export async function killOrphanedJobs(
  home: string,
  worker: WorkerEntry,
  jobs: Job[],
): Promise<string[]> {
  if (worker.host !== hostName()) return [];
  const killed: string[] = [];
  for (const job of jobs) {
    let pid: number;
    try {
      pid = Number((await Deno.readTextFile(jobPidPath(home, job.id, job.attempts))).trim());
    } catch {
      continue;
    }
    if (!Number.isSafeInteger(pid) || pid <= 1) continue;
    if (!(await runsJob(pid, job.id, job.attempts))) continue;
    if (killProcessGroup(pid, "SIGKILL")) killed.push(job.id);
  }
  return killed;
}

async function runsJob(pid: number, jobId: string, attempt: number): Promise<boolean> {
  try {
    const environ = await readProcFile(`/proc/${pid}/environ`);
    if (environ === undefined) return false;
    const vars = new Set(environ.split("\0"));
    return vars.has(`QUEUECTL_JOB_ID=${jobId}`) && vars.has(`QUEUECTL_ATTEMPT=${attempt}`);
  } catch {
    return false;
  }
}

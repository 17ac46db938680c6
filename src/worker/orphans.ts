/**
 * Killing what a dead worker left running. Every job process carries its worker's id in
 * `QUEUECTL_WORKER_ID`; when a worker is found dead on this host, the process groups of the
 * processes carrying its id are killed before its jobs are recovered, so a recovered job never
 * runs twice at once.
 * @module
 */

import { readProcFile } from "../platform/proc_files.ts";
import type { WorkerEntry } from "../queue/mod.ts";
import { hostName } from "./liveness.ts";
import { killProcessGroup } from "./process_group.ts";

/**
 * Pids of the processes whose environment holds `QUEUECTL_WORKER_ID=<workerId>`, found by
 * `grep` over `/proc/*\/environ` (Deno grants `/proc` only to `--allow-all`; `--allow-run` covers
 * a child process).
 * @param workerId The worker.
 * @returns The pids.
 */
export async function processesOfWorker(workerId: string): Promise<number[]> {
  try {
    const { stdout } = await new Deno.Command("sh", {
      args: [
        "-c",
        'grep -lzsxF -e "QUEUECTL_WORKER_ID=$1" /proc/[0-9]*/environ; true',
        "queuectl",
        workerId,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    return new TextDecoder().decode(stdout).split("\n")
      .map((line) => Number(/^\/proc\/(\d+)\/environ$/.exec(line)?.[1]))
      .filter((pid) => Number.isSafeInteger(pid) && pid > 1 && pid !== Deno.pid);
  } catch {
    return [];
  }
}

/**
 * Kills the process groups of everything a lost worker's jobs left running, if that worker ran
 * on this host. Requires unscoped `--allow-run`.
 * @param worker The lost worker.
 * @returns How many process groups were killed.
 */
export async function killOrphanedJobs(worker: WorkerEntry): Promise<number> {
  if (worker.host !== hostName()) return 0;
  const groups = new Set<number>();
  for (const pid of await processesOfWorker(worker.id)) {
    const stat = await readProcFile(`/proc/${pid}/stat`);
    const pgid = Number(stat?.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
    if (Number.isSafeInteger(pgid) && pgid > 1) groups.add(pgid);
  }
  let killed = 0;
  for (const pgid of groups) if (killProcessGroup(pgid, "SIGKILL")) killed++;
  return killed;
}

/**
 * Killing what a run left running. Every job process carries `QUEUECTL_JOB_ID` and
 * `QUEUECTL_WORKER_ID` in its environment, and keeps them whatever process group or session it
 * moves to. After a job's process group is killed (timeout, stop `--now`) or when its worker was
 * lost, the processes carrying both are found in `/proc/*\/environ` and killed too, so nothing of
 * a run outlives it and a recovered job never runs twice at once. A process that clears its
 * environment (`env -i`) cannot be found this way.
 * @module
 */

import { readProcFile } from "../platform/proc_files.ts";
import type { Job, WorkerEntry } from "../queue/mod.ts";
import { hostName } from "./liveness.ts";
import { killProcessGroup } from "./process_group.ts";

/** Rounds of find-and-kill: a process may fork while the previous round kills. */
const KILL_ROUNDS = 5;

/**
 * Pids of the processes whose environment holds every one of `markers` (`NAME=value`), found
 * by `grep` over `/proc/*\/environ` (Deno grants `/proc` only to `--allow-all`; `--allow-run`
 * covers a child process). This process is never among them.
 * @param markers Exact environment entries, e.g. `QUEUECTL_JOB_ID=build`.
 * @returns The pids.
 */
export async function processesMarked(markers: string[]): Promise<number[]> {
  if (markers.length === 0) return [];
  const [first, ...rest] = markers;
  // The first marker narrows the list with one grep; each file left is checked for the rest.
  const script = 'for f in $(grep -lzsxF -e "$1" /proc/[0-9]*/environ); do all=1; ' +
    'for m in "$@"; do grep -qzsxF -e "$m" "$f" || all=0; done; ' +
    '[ "$all" = 1 ] && echo "$f"; done; true';
  try {
    const { stdout } = await new Deno.Command("/bin/sh", {
      args: ["-c", script, "queuectl", first!, ...rest],
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

let ownGroup: Promise<number | undefined> | undefined;

/** This process's group: never killed, even if a job started this queuectl. */
function ownProcessGroup(): Promise<number | undefined> {
  // `cat` runs in this process's group, so its view of /proc/self is as good as ours.
  ownGroup ??= readProcFile("/proc/self/stat").then((stat) => processGroupOf(stat));
  return ownGroup;
}

function processGroupOf(stat: string | undefined): number | undefined {
  if (stat === undefined) return undefined;
  const pgid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  return Number.isSafeInteger(pgid) && pgid > 1 ? pgid : undefined;
}

/**
 * Kills (SIGKILL) every process of one run still alive on this host, with the process group
 * each one is in, until none is left. Requires unscoped `--allow-run`.
 * @param jobId The job.
 * @param workerId The worker that ran it.
 * @returns How many processes were found.
 */
export async function killRunLeftovers(jobId: string, workerId: string): Promise<number> {
  const markers = [`QUEUECTL_JOB_ID=${jobId}`, `QUEUECTL_WORKER_ID=${workerId}`];
  const own = await ownProcessGroup();
  let found = 0;
  for (let round = 0; round < KILL_ROUNDS; round++) {
    const pids = await processesMarked(markers);
    if (pids.length === 0) break;
    found += pids.length;
    for (const pid of pids) {
      const pgid = processGroupOf(await readProcFile(`/proc/${pid}/stat`));
      if (pgid !== undefined && pgid !== own) killProcessGroup(pgid, "SIGKILL");
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // Gone already.
      }
    }
  }
  return found;
}

/**
 * Kills what a run whose worker is no longer live left running, when that worker ran on this
 * host (or is unknown). Requires unscoped `--allow-run`.
 * @param job The job, still processing.
 * @param worker Its worker's entry, if known.
 * @returns How many processes were found.
 */
export async function killOrphanedRun(job: Job, worker: WorkerEntry | undefined): Promise<number> {
  if (job.worker_id === null) return 0;
  if (worker && worker.host !== hostName()) return 0;
  return await killRunLeftovers(job.id, job.worker_id);
}

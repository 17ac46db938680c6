/**
 * Is a worker process still alive? On the same host, a worker whose pid is gone, a zombie, or a
 * different process (pid reused: its start time differs) is dead. Other hosts cannot be checked
 * here; for them only the heartbeat counts.
 * @module
 */

import type { LivenessProbe, WorkerEntry } from "../queue/mod.ts";

/**
 * This host's name, as workers record it. Requires `--allow-sys=hostname`.
 * @returns The host name.
 */
export function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}

/**
 * The start time of a live process as Linux reports it (`/proc/<pid>/stat` field 22, in clock
 * ticks since boot), or `null` if there is no such live process. Requires `--allow-read`.
 * @param pid The process id.
 * @returns The start time as text, `null` if gone or a zombie, `undefined` without `/proc`.
 */
export async function processStartTime(pid: number): Promise<string | null | undefined> {
  let stat: string;
  try {
    stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return await procAvailable() ? null : undefined;
    }
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: split after its last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  if (state === "Z" || state === "X" || state === "x") return null;
  return fields[19] ?? undefined;
}

let procChecked: boolean | undefined;
async function procAvailable(): Promise<boolean> {
  if (procChecked === undefined) {
    try {
      await Deno.stat("/proc/self/stat");
      procChecked = true;
    } catch {
      procChecked = false;
    }
  }
  return procChecked;
}

/**
 * A liveness probe for workers recorded on `host`.
 * @param host This host's name.
 * @returns The probe: `false` for a worker known dead, `undefined` when it cannot tell.
 */
export function localLivenessProbe(host: string = hostName()): LivenessProbe {
  return async (worker: WorkerEntry) => {
    if (worker.host !== host) return undefined;
    const started = await processStartTime(worker.pid);
    if (started === undefined) return undefined;
    if (started === null) return false;
    return worker.pstart === null || worker.pstart === started;
  };
}

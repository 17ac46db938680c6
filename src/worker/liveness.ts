/**
 * Is a worker process still alive? On the same host, a worker whose pid is gone, a zombie, or a
 * different process (pid reused: its start time differs) is dead. Other hosts cannot be checked
 * here; for them only the heartbeat counts.
 *
 * Deno grants `/proc` only to `--allow-all`, so `/proc` files are read by a `cat` child process
 * (covered by `--allow-run`), and only when a worker's heartbeat is late: a live worker costs a
 * `kill(pid, 0)` and nothing else.
 * @module
 */

import { readProcFile } from "../platform/proc_files.ts";
import type { LivenessProbe, WorkerEntry } from "../queue/mod.ts";

/** A heartbeat older than this makes the probe look closer (zombie, reused pid). */
export const LATE_HEARTBEAT_MS = 2500;

/**
 * This host's name, as workers record it: `QUEUECTL_HOSTNAME` when set (containers that share a
 * host name but not their process ids need one each; tests simulate other machines with it), else
 * the machine's. Requires `--allow-sys=hostname`.
 * @returns The host name.
 */
export function hostName(): string {
  try {
    const named = Deno.env.get("QUEUECTL_HOSTNAME");
    if (named) return named;
  } catch {
    // No permission to read it: the machine's name.
  }
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}

/**
 * Whether a process with this pid exists (zombies included), by `kill(pid, 0)`.
 * @param pid The process id.
 * @returns `false` if there is none, `undefined` if it cannot tell.
 */
export function pidExists(pid: number): boolean | undefined {
  try {
    Deno.kill(pid, 0 as unknown as Deno.Signal);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    if (error instanceof Error && /ESRCH|No such process/i.test(error.message)) return false;
    return undefined;
  }
}

/**
 * The start time of a live process (`/proc/<pid>/stat` field 22, clock ticks since boot).
 * Requires `--allow-run`.
 * @param pid The process id.
 * @returns The start time as text; `null` if gone or a zombie; `undefined` without `/proc`.
 */
export async function processStartTime(pid: number): Promise<string | null | undefined> {
  const stat = await readProcFile(`/proc/${pid}/stat`);
  if (stat === undefined) return pidExists(pid) === false ? null : undefined;
  // The command name (field 2) may hold spaces and parentheses: split after its last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  if (state === "Z" || state === "X" || state === "x") return null;
  return fields[19] ?? undefined;
}

/**
 * A liveness probe for workers recorded on `host`.
 * @param host This host's name.
 * @param now Clock in epoch milliseconds.
 * @param strict Always compare the process's start time (before signalling it), not only when the
 *   heartbeat is late.
 * @returns The probe: `false` for a worker known dead, `undefined` when it cannot tell.
 */
export function localLivenessProbe(
  host: string = hostName(),
  now: () => number = Date.now,
  strict = false,
): LivenessProbe {
  return async (worker: WorkerEntry) => {
    if (worker.host !== host) return undefined;
    const exists = pidExists(worker.pid);
    if (exists === false) return false;
    if (!strict && now() - worker.heartbeatMs < LATE_HEARTBEAT_MS) return true;
    const started = await processStartTime(worker.pid);
    if (started === undefined) return exists;
    if (started === null) return false;
    return worker.pstart === null || worker.pstart === started;
  };
}

/**
 * Starting worker processes: detached ones that outlive the command, or attached ones that stop
 * with it. Each is queuectl itself running `worker run`, with the same permission flags.
 * @module
 */

import { ulidFactory } from "../platform/ulid.ts";
import { QueueError } from "../errors.ts";
import { workerLogPath, WORKERS_DIR } from "../home/layout.ts";
import { ensurePrivateDir } from "../journal/mod.ts";
import type { QueueStore } from "../queue/mod.ts";
import { selfCommand } from "./self_command.ts";
import { join } from "../platform/paths.ts";

const newWorkerId = ulidFactory();
const START_DEADLINE_MS = 30_000;

/** A worker process started by this command. */
export interface StartedWorker {
  id: string;
  pid: number;
  logFile: string | null;
  child: Deno.ChildProcess;
}

/**
 * A new worker id: `w-` and a ULID.
 * @returns The id.
 */
export function makeWorkerId(): string {
  return `w-${newWorkerId()}`;
}

/**
 * Spawns `count` worker processes, each in its own session. Detached workers log to
 * `workers/<id>.log`; attached ones (`--foreground`) write their log to this terminal's stderr.
 * Requires `--allow-run` and `--allow-write`.
 * @param home The queue home.
 * @param count How many.
 * @param detached Whether they outlive this process.
 * @param queues The queues they claim from; every queue when absent.
 * @param slots How many jobs each runs at once.
 * @returns The started processes.
 */
export async function spawnWorkers(
  home: string,
  count: number,
  detached: boolean,
  queues?: string[],
  slots = 1,
): Promise<StartedWorker[]> {
  if (detached) await ensurePrivateDir(join(home, WORKERS_DIR));
  const { program, prefix } = selfCommand();
  const started: StartedWorker[] = [];
  for (let i = 0; i < count; i++) {
    const id = makeWorkerId();
    const logFile = detached ? workerLogPath(home, id) : null;
    const args = [...prefix, "worker", "run", "--home", home, "--id", id];
    if (queues) args.push("--queue", queues.join(","));
    if (slots > 1) args.push("--concurrency", String(slots));
    if (logFile) args.push("--log-file", logFile);
    // An attached worker reads a pipe from this process: when this process dies, even by
    // SIGKILL, the pipe closes and the worker drains instead of running on unattended.
    else args.push("--attached");
    const child = new Deno.Command(program, {
      args,
      cwd: home,
      stdin: detached ? "null" : "piped",
      stdout: detached ? "null" : "inherit",
      stderr: detached ? "null" : "inherit",
      // Always a new session: a terminal's Ctrl-C reaches only the parent, which forwards it.
      detached: true,
    }).spawn();
    started.push({ id, pid: child.pid, logFile, child });
  }
  return started;
}

/**
 * Waits until every started worker has registered in the journal, failing early if one exits
 * before it did.
 * @param store The queue store.
 * @param workers The processes from {@linkcode spawnWorkers}.
 */
export async function waitUntilRunning(store: QueueStore, workers: StartedWorker[]): Promise<void> {
  const exits = new Map<string, Deno.CommandStatus>();
  for (const worker of workers) {
    worker.child.status.then((status) => exits.set(worker.id, status));
  }
  const deadline = Date.now() + START_DEADLINE_MS;
  for (;;) {
    const known = new Map((await store.listWorkers()).map((w) => [w.id, w.status]));
    // Registered is started, even if a quick stop request already ended it.
    if (workers.every((w) => known.has(w.id))) return;
    for (const worker of workers) {
      const status = exits.get(worker.id);
      if (status && !known.has(worker.id)) {
        const where = worker.logFile ? `; see ${worker.logFile}` : "";
        throw new QueueError(
          `Worker ${worker.id} exited with code ${status.code} before it started${where}`,
        );
      }
    }
    if (Date.now() > deadline) {
      throw new QueueError(`Workers did not start within ${START_DEADLINE_MS / 1000}s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

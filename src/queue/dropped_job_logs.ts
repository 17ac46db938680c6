/**
 * Retention reaches the job logs too: when a compaction drops jobs (completed ones past
 * `retention`), their `logs/<id>/` folders go with them.
 * @module
 */

import { jobLogDir } from "../home/layout.ts";
import { QueueError } from "../errors.ts";
import type { QueueState } from "./state.ts";

/**
 * Removes the log folder of every job in `previous` that is not in `next`. Runs under the queue
 * lock, right after the compaction, so no job with the same id can be enqueued and start writing
 * there meanwhile. Requires `--allow-write`.
 * @param home The queue home.
 * @param previous The state before the compaction.
 * @param next The state after it.
 * @throws {QueueError} naming how many folders could not be removed (the rest are).
 * @example
 * ```ts
 * await removeDroppedJobLogs(home, before, after); // logs/<id>/ of each dropped job is gone
 * ```
 */
export async function removeDroppedJobLogs(
  home: string,
  previous: QueueState,
  next: QueueState,
): Promise<void> {
  const failures: string[] = [];
  for (const id of previous.jobs.keys()) {
    if (next.jobs.has(id)) continue;
    try {
      await Deno.remove(jobLogDir(home, id), { recursive: true });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      failures.push(`"${id}" (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  if (failures.length > 0) {
    throw new QueueError(
      `Cannot remove the logs of ${failures.length} dropped job(s), first ${failures[0]}`,
    );
  }
}

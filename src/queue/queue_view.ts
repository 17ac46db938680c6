/**
 * Named queues as `queue list` and `status` show them: job counts per state, paused, and the
 * concurrency cap (0 = none).
 * @module
 */

import { JOB_STATES, type JobState } from "./job.ts";
import { DEFAULT_QUEUE, type QueueSettings, type QueueState } from "./state.ts";

/** One queue, counted. */
export type QueueView = { name: string } & Record<JobState, number> & QueueSettings;

/**
 * The views of every queue that has jobs or settings, `default` first, then by name.
 * @param counts Job counts per state, per queue.
 * @param settings The queues' settings.
 * @returns The views.
 */
export function queueViews(
  counts: Map<string, Record<JobState, number>>,
  settings: Map<string, QueueSettings>,
): QueueView[] {
  const names = new Set([DEFAULT_QUEUE, ...counts.keys(), ...settings.keys()]);
  return [...names].sort((a, b) =>
    a === DEFAULT_QUEUE ? -1 : b === DEFAULT_QUEUE ? 1 : a.localeCompare(b)
  ).map((name) => {
    const view = { name } as QueueView;
    for (const state of JOB_STATES) view[state] = counts.get(name)?.[state] ?? 0;
    const { paused, concurrency } = settings.get(name) ?? { paused: false, concurrency: 0 };
    view.paused = paused;
    view.concurrency = concurrency;
    return view;
  });
}

/**
 * Counts per queue and state, from the whole state.
 * @param state The queue state.
 * @returns The counts.
 */
export function countByQueue(state: QueueState): Map<string, Record<JobState, number>> {
  const counts = new Map<string, Record<JobState, number>>();
  for (const job of state.jobs.values()) {
    let perQueue = counts.get(job.queue);
    if (!perQueue) {
      perQueue = {} as Record<JobState, number>;
      for (const s of JOB_STATES) perQueue[s] = 0;
      counts.set(job.queue, perQueue);
    }
    perQueue[job.state]++;
  }
  return counts;
}

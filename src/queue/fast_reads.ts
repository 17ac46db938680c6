/**
 * `status`, `list --limit` and `show` on a compacted journal without replaying its snapshot:
 * the snapshot's summary and settings, the records appended since, and only the snapshot jobs
 * those records name (or the newest ones, for `list`). Each answer equals what the full replay
 * gives (tests compare them on random workloads); `undefined` means "replay instead" (no
 * summary, or a snapshot that does not match it).
 * @module
 */

import type { JournalRecord } from "../journal/mod.ts";
import { type Job, type JobState, jobView, type StoredJob } from "./job.ts";
import type { QueueView } from "./queue_view.ts";
import { applyRecord } from "./reducer.ts";
import {
  CompactedJournal,
  parseJobLine,
  type SnapshotJobLine,
  SnapshotMismatch,
} from "./snapshot_reader.ts";
import { emptyQueueState, type QueueState, type WorkerEntry } from "./state.ts";
import { jobIdOf, StatusTally } from "./status_tally.ts";
import type { JobCounts, JobFilter } from "./store.ts";
import { readFields } from "./top_level_fields.ts";

/** What `status` shows. */
export interface StatusSummary {
  jobs: JobCounts;
  workers: WorkerEntry[];
  queues: QueueView[];
}

/**
 * Job counts, workers and queues from the summary, the records since the snapshot, and the
 * snapshot lines of the jobs those records name.
 * @param path The journal file.
 * @returns The summary, or `undefined` to replay instead.
 */
export async function fastSummary(path: string): Promise<StatusSummary | undefined> {
  return await withCompacted(path, async (journal) => {
    const named = new Set<string>();
    for (const raw of journal.tail) {
      const id = jobIdOf(raw.line);
      if (id !== undefined) named.add(id);
    }
    const found = await journal.findJobs(named);
    const tally = new StatusTally();
    tally.startFrom(journal.summary.counts);
    for (const raw of journal.prefix) tally.apply(raw);
    for (const line of bySeq(found)) tally.seed(line);
    for (const raw of journal.tail) tally.apply(raw);
    return { jobs: tally.counts(), workers: tally.workers(), queues: tally.queues() };
  });
}

/**
 * The jobs `listJobs(filter)` returns, newest first: those the records since the snapshot name
 * or add, as the reducer leaves them, merged with the snapshot's newest others that match.
 * @param path The journal file.
 * @param filter The filter; `limit` must be given (without one every job is read anyway).
 * @returns The jobs, or `undefined` to replay instead.
 */
export async function fastListJobs(
  path: string,
  filter: JobFilter & { limit: number },
): Promise<Job[] | undefined> {
  return await withCompacted(path, async (journal) => {
    const partial = await loadPartial(journal, []);
    const needle = filter.search?.toLowerCase();
    const matches = (job: { id: string; command: string; state: JobState; queue: string }) =>
      (filter.state === undefined || job.state === filter.state) &&
      (filter.queue === undefined || job.queue === filter.queue) &&
      (needle === undefined || job.id.toLowerCase().includes(needle) ||
        job.command.toLowerCase().includes(needle));
    const offset = filter.offset ?? 0;
    const wanted = offset + filter.limit;
    const candidates: StoredJob[] = [...partial.state.jobs.values()].filter(matches);
    const snapshotDependents = new Map(partial.snapshotDependents);
    // Snapshot jobs whose state and queue fit, not yet seen: once none is left, stop reading.
    let left = journal.count(filter.state, filter.queue);
    const scratch = emptyQueueState();
    const fields = new Map<string, string>();
    let taken = 0;
    if (wanted > 0 && left > 0) {
      for await (const line of journal.newestJobs()) {
        fields.clear();
        // `queue` (when not the default) and `state` come before the long fields.
        readFields(line.line, ["queue", "id", "state"], fields, 1, "state");
        const state = fields.get("state") as JobState | undefined;
        const queue = fields.get("queue") ?? "default";
        if (filter.state !== undefined && state !== filter.state) continue;
        if (filter.queue !== undefined && queue !== filter.queue) continue;
        left--;
        const id = fields.get("id");
        if (id === undefined || !partial.named.has(id)) {
          const record = parseJobLine(line);
          applyRecord(scratch, record);
          const job = scratch.jobs.get(record.id)!;
          if (matches(job)) {
            candidates.push(job);
            snapshotDependents.set(job.id, record.dependents ?? []);
            taken++;
          }
        }
        if (taken >= wanted || left === 0) break;
      }
    }
    candidates.sort((a, b) => b.order - a.order);
    return candidates.slice(offset, wanted).map((job) =>
      jobView(job, dependentsOf(job.id, snapshotDependents, partial.state))
    );
  });
}

/**
 * One job as `getJob` returns it, without replaying the snapshot.
 * @param path The journal file.
 * @param id The job's id.
 * @returns The job, `null` when there is no such job, or `undefined` to replay instead.
 */
export async function fastGetJob(path: string, id: string): Promise<Job | null | undefined> {
  return await withCompacted(path, async (journal) => {
    const partial = await loadPartial(journal, [id]);
    const job = partial.state.jobs.get(id);
    if (!job) return null;
    return jobView(job, dependentsOf(id, partial.snapshotDependents, partial.state));
  });
}

/** The records since the snapshot applied to the snapshot jobs they name. */
interface PartialState {
  /** Settings, workers, counters, the named snapshot jobs and everything since the snapshot. */
  state: QueueState;
  /** The jobs named by a record since the snapshot (or asked for). */
  named: Set<string>;
  /** Dependents of the snapshot jobs loaded, as the snapshot lists them. */
  snapshotDependents: Map<string, string[]>;
}

async function loadPartial(journal: CompactedJournal, also: string[]): Promise<PartialState> {
  const tail = journal.tail.map((raw) => JSON.parse(raw.line) as JournalRecord);
  const named = new Set(also);
  for (const record of tail) if (typeof record.id === "string") named.add(record.id);
  const found = await journal.findJobs(named);
  const state = emptyQueueState();
  for (const raw of journal.prefix) applyRecord(state, JSON.parse(raw.line));
  const snapshotDependents = new Map<string, string[]>();
  for (const line of bySeq(found)) {
    const record = parseJobLine(line);
    applyRecord(state, record);
    snapshotDependents.set(record.id, record.dependents ?? []);
  }
  for (const record of tail) applyRecord(state, record);
  return { state, named, snapshotDependents };
}

/**
 * A job's dependents as the full replay has them: the snapshot's list (retained jobs, in enqueue
 * order), then the jobs added since that depend on it.
 */
function dependentsOf(
  id: string,
  snapshot: Map<string, string[]>,
  state: QueueState,
): Set<string> {
  const all = new Set(snapshot.get(id));
  for (const dependent of state.dependents.get(id) ?? []) all.add(dependent);
  return all;
}

function bySeq(found: Map<string, SnapshotJobLine>): SnapshotJobLine[] {
  return [...found.values()].sort((a, b) => a.seq - b.seq);
}

/** Runs `read` on the compacted journal; `undefined` if it has no summary or does not match. */
async function withCompacted<T>(
  path: string,
  read: (journal: CompactedJournal) => Promise<T>,
): Promise<T | undefined> {
  const journal = await CompactedJournal.open(path);
  if (!journal) return undefined;
  try {
    return await read(journal);
  } catch (error) {
    if (error instanceof SnapshotMismatch || error instanceof SyntaxError) return undefined;
    throw error;
  } finally {
    journal.close();
  }
}

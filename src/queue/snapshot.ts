/**
 * What compaction keeps: the records that rebuild the retained state. Completed jobs leave only by
 * the retention policy; pending, processing, failed and dead jobs are always kept.
 * @module
 */

import type { RecordBody } from "../journal/mod.ts";
import { CONFIG_KEYS, DEFAULT_CONFIG } from "./config.ts";
import type { JobState, StoredJob } from "./job.ts";
import {
  configRecord,
  jobSnapshotRecord,
  type QueueRecord,
  queueSettingsRecord,
  scheduleRecord,
  type StatsRecord,
  type WorkerRecord,
} from "./records.ts";
import type { QueueState, WorkerEntry } from "./state.ts";
import { SAMPLES_KEPT, type StatsState } from "./stats.ts";

/** Stopped or lost workers are listed this long after they end. */
export const ENDED_WORKER_KEEP_MS = 24 * 3600 * 1000;
/** At most this many ended workers are kept. */
export const ENDED_WORKER_KEEP_COUNT = 32;

/**
 * Whether retention lets a job go at compaction time.
 * @param job The job.
 * @param retentionSeconds The `retention` setting.
 * @param nowMs The current time.
 * @returns `true` only for a completed job that finished at least `retention` ago.
 */
export function isExpired(job: StoredJob, retentionSeconds: number, nowMs: number): boolean {
  if (job.state !== "completed" || job.finished_at === null) return false;
  return Date.parse(job.finished_at) + retentionSeconds * 1000 <= nowMs;
}

/** Version of the `summary` record this code writes and trusts. */
export const SUMMARY_VERSION = 1;

/**
 * The last record before a snapshot's jobs: what they add up to, so that a reader needing only
 * counts (`status`) or the newest jobs (`list --limit`) skips them. `jobs` is how many `job`
 * records follow it; they end the snapshot (the header's `snapshot_bytes`). `counts` is the
 * number of those jobs per queue and state (states with none left out). The replay ignores it.
 */
export interface SummaryRecord extends RecordBody {
  op: "summary";
  v: number;
  jobs: number;
  counts: Record<string, Partial<Record<JobState, number>>>;
}

/** A `job` record as compaction writes it: with the jobs that depend on it, when there are. */
export type SnapshotJobRecord = ReturnType<typeof jobSnapshotRecord> & { dependents?: string[] };

/**
 * The records of a compacted journal: settings that differ from the defaults, workers worth
 * listing, a summary of the jobs, and every retained job in enqueue order, each with its
 * dependents (the retained jobs that depend on it, in enqueue order, as a replay finds them).
 * @param state The queue state.
 * @param nowMs The current time, for retention.
 * @returns Record bodies, in the order they must be written.
 */
export function snapshotRecords(
  state: QueueState,
  nowMs: number,
): (QueueRecord | SummaryRecord | SnapshotJobRecord)[] {
  const records: (QueueRecord | SummaryRecord | SnapshotJobRecord)[] = [];
  for (const key of CONFIG_KEYS) {
    if (state.config[key] !== DEFAULT_CONFIG[key]) {
      records.push(configRecord(new Date(nowMs).toISOString(), key, state.config[key]));
    }
  }
  const at = new Date(nowMs).toISOString();
  for (const [name, settings] of state.queues) {
    records.push(queueSettingsRecord(at, name, { ...settings }));
  }
  for (const schedule of state.schedules.values()) {
    const { name, cron, timezone, job, paused, since, last_run } = schedule;
    records.push({
      ...scheduleRecord(at, name, cron, timezone, job),
      since,
      ...(paused ? { paused } : {}),
      ...(last_run === null ? {} : { last_run }),
    });
  }
  records.push(...statsSnapshot(state.stats));
  for (const worker of retainedWorkers(state, nowMs)) records.push(workerSnapshot(worker));
  const jobs = [...state.jobs.values()]
    .filter((job) => !isExpired(job, state.config.retention, nowMs))
    .sort((a, b) => a.order - b.order);
  const dependents = new Map<string, Set<string>>();
  const counts: SummaryRecord["counts"] = {};
  for (const job of jobs) {
    for (const dependency of job.depends_on) {
      let set = dependents.get(dependency);
      if (!set) dependents.set(dependency, set = new Set());
      set.add(job.id);
    }
    const perQueue = counts[job.queue] ??= {};
    perQueue[job.state] = (perQueue[job.state] ?? 0) + 1;
  }
  records.push({ op: "summary", v: SUMMARY_VERSION, jobs: jobs.length, counts });
  for (const job of jobs) {
    const record: SnapshotJobRecord = jobSnapshotRecord(job);
    const mine = dependents.get(job.id);
    if (mine) record.dependents = [...mine];
    records.push(record);
  }
  return records;
}

function retainedWorkers(state: QueueState, nowMs: number): WorkerEntry[] {
  const live: WorkerEntry[] = [];
  const ended: WorkerEntry[] = [];
  for (const worker of state.workers.values()) {
    if (worker.status === "running" || worker.status === "stopping") live.push(worker);
    else if (nowMs - Date.parse(worker.ended_at ?? worker.heartbeat) < ENDED_WORKER_KEEP_MS) {
      ended.push(worker);
    }
  }
  ended.sort((a, b) => (a.ended_at ?? "").localeCompare(b.ended_at ?? ""));
  return [...ended.slice(-ENDED_WORKER_KEEP_COUNT), ...live];
}

/** The counters, in records of at most this many samples or minutes each. */
const STATS_CHUNK = 500;

function statsSnapshot(stats: StatsState): StatsRecord[] {
  if (stats.totals.size === 0 && stats.samples.length === 0) return [];
  const totals: NonNullable<StatsRecord["totals"]> = {};
  for (const [queue, c] of stats.totals) {
    totals[queue] = [c.enqueued, c.completed, c.failed, c.dead, c.canceled];
  }
  const records: StatsRecord[] = [{ op: "stats", latest: stats.latestMs, totals }];
  const minutes: NonNullable<StatsRecord["minutes"]> = [];
  for (const [minute, queues] of [...stats.minutes].sort((a, b) => a[0] - b[0])) {
    for (const [queue, c] of queues) {
      minutes.push([minute, queue, c.enqueued, c.completed, c.failed, c.dead, c.canceled]);
    }
  }
  for (let i = 0; i < minutes.length; i += STATS_CHUNK) {
    records.push({ op: "stats", minutes: minutes.slice(i, i + STATS_CHUNK) });
  }
  const samples = stats.samples.slice(-SAMPLES_KEPT).map((
    s,
  ): NonNullable<StatsRecord["samples"]>[number] => [s.at, s.queue, s.runMs, s.waitMs, s.outcome]);
  for (let i = 0; i < samples.length; i += STATS_CHUNK) {
    records.push({ op: "stats", samples: samples.slice(i, i + STATS_CHUNK) });
  }
  return records;
}

function workerSnapshot(worker: WorkerEntry): WorkerRecord {
  const { id, heartbeatMs: _ms, queues, ...rest } = worker;
  return { op: "worker", worker: id, ...rest, ...(queues === null ? {} : { queues }) };
}

/**
 * What happened, counted: totals per queue that never go backwards (enqueued, completed, failed
 * runs, dead, canceled), the same per minute for the last day, and the run and wait times of the
 * most recent runs. Kept in the state by the reducer, from the records' own times (so replay gives
 * the same figures), and written whole by compaction, so retention drops jobs but never lowers a
 * counter.
 * @module
 */

/** Counters of one queue (or one minute of one queue). */
export interface Counters {
  enqueued: number;
  completed: number;
  /** Failed runs: every run that ended in failure, also the last one of a job that went dead. */
  failed: number;
  dead: number;
  canceled: number;
}

/** The names of the counters, in the order they are written and shown. */
export const COUNTER_NAMES = ["enqueued", "completed", "failed", "dead", "canceled"] as const;

/** One finished run, for percentiles. */
export interface RunSample {
  /** When it ended, epoch ms. */
  at: number;
  queue: string;
  /** How long it ran. */
  runMs: number;
  /** From when it was due to when it started. */
  waitMs: number;
  outcome: "completed" | "failed" | "canceled";
}

/** Everything counted. */
export interface StatsState {
  totals: Map<string, Counters>;
  /** Per minute (epoch ms of its start), per queue; the last {@linkcode MINUTES_KEPT} minutes. */
  minutes: Map<number, Map<string, Counters>>;
  /** The most recent runs, oldest first, at most {@linkcode SAMPLES_KEPT}. */
  samples: RunSample[];
  /** The newest record time seen: buckets are kept relative to it, not to a clock. */
  latestMs: number;
}

/** Minutes of per-minute counts kept: one day. */
export const MINUTES_KEPT = 24 * 60;
/** Recent runs kept for percentiles. */
export const SAMPLES_KEPT = 2000;
const MINUTE_MS = 60_000;

/**
 * A fresh, empty count.
 * @returns The state.
 */
export function emptyStats(): StatsState {
  return { totals: new Map(), minutes: new Map(), samples: [], latestMs: 0 };
}

/**
 * Zeroed counters.
 * @returns The counters.
 */
export function zeroCounters(): Counters {
  return { enqueued: 0, completed: 0, failed: 0, dead: 0, canceled: 0 };
}

/**
 * Counts one event of a queue at a time.
 * @param stats The state.
 * @param queue The job's queue.
 * @param counter What happened.
 * @param atIso When (the record's time).
 */
export function countEvent(
  stats: StatsState,
  queue: string,
  counter: keyof Counters,
  atIso: string,
): void {
  const atMs = Date.parse(atIso);
  let total = stats.totals.get(queue);
  if (!total) stats.totals.set(queue, total = zeroCounters());
  total[counter]++;
  if (!Number.isFinite(atMs)) return;
  advance(stats, atMs);
  const minute = Math.floor(atMs / MINUTE_MS) * MINUTE_MS;
  if (minute <= stats.latestMs - MINUTES_KEPT * MINUTE_MS) return;
  let perQueue = stats.minutes.get(minute);
  if (!perQueue) stats.minutes.set(minute, perQueue = new Map());
  let counters = perQueue.get(queue);
  if (!counters) perQueue.set(queue, counters = zeroCounters());
  counters[counter]++;
}

/**
 * Keeps a finished run's times.
 * @param stats The state.
 * @param sample The run.
 */
export function addSample(stats: StatsState, sample: RunSample): void {
  if (!Number.isFinite(sample.runMs) || !Number.isFinite(sample.waitMs)) return;
  stats.samples.push(sample);
  if (stats.samples.length > SAMPLES_KEPT) stats.samples.shift();
}

/** Moves the window forward to `atMs` and drops minutes that fell out of it. */
function advance(stats: StatsState, atMs: number): void {
  if (atMs <= stats.latestMs) return;
  stats.latestMs = atMs;
  const oldest = atMs - MINUTES_KEPT * MINUTE_MS;
  for (const minute of stats.minutes.keys()) if (minute <= oldest) stats.minutes.delete(minute);
}

/** What a window of time shows for one queue, or all of them. */
export interface WindowStats extends Counters {
  queue: string;
  /** Completed jobs per minute over the window. */
  completed_per_minute: number;
  /** Wait (due → start) and run times of the runs that ended in the window, in seconds. */
  wait_seconds: Percentiles | null;
  run_seconds: Percentiles | null;
}

/** What `/metrics` reports, gathered in one look at the state. */
export interface QueueMetrics {
  /** Totals per queue since the queue began. */
  totals: Record<string, Counters>;
  /** Jobs per queue and state now. */
  jobs: Record<string, Record<string, number>>;
  /** Recent runs (for the duration and wait histograms). */
  samples: RunSample[];
  /** Per queue, the age in seconds of the oldest pending job that is due (0 when none). */
  latency: Record<string, number>;
  /** Workers per status. */
  workers: Record<string, number>;
}

/** p50, p95 and max. */
export interface Percentiles {
  p50: number;
  p95: number;
  max: number;
  /** How many runs they are of. */
  runs: number;
}

/** `stats --since`: the window, per queue and in all, and a per-minute series of it. */
export interface StatsReport {
  since: string;
  until: string;
  total: WindowStats;
  queues: WindowStats[];
  /** Completed and failed runs per minute in the window, oldest first (for a chart). */
  minutes: { minute: string; completed: number; failed: number }[];
}

/**
 * The figures of a window of time.
 * @param stats The state.
 * @param sinceMs The window's start.
 * @param nowMs Its end.
 * @param queue Only this queue, if given.
 * @returns The report.
 */
export function windowReport(
  stats: StatsState,
  sinceMs: number,
  nowMs: number,
  queue?: string,
): StatsReport {
  const perQueue = new Map<string, Counters>();
  const series = new Map<number, { completed: number; failed: number }>();
  const firstMinute = Math.floor(sinceMs / MINUTE_MS) * MINUTE_MS;
  for (let minute = firstMinute; minute <= nowMs; minute += MINUTE_MS) {
    series.set(minute, { completed: 0, failed: 0 });
  }
  for (const [minute, queues] of stats.minutes) {
    if (minute + MINUTE_MS <= sinceMs || minute > nowMs) continue;
    for (const [name, counters] of queues) {
      if (queue !== undefined && name !== queue) continue;
      let sum = perQueue.get(name);
      if (!sum) perQueue.set(name, sum = zeroCounters());
      for (const key of COUNTER_NAMES) sum[key] += counters[key];
      const point = series.get(minute);
      if (point) {
        point.completed += counters.completed;
        point.failed += counters.failed;
      }
    }
  }
  const samples = stats.samples.filter((s) =>
    s.at >= sinceMs && s.at <= nowMs && (queue === undefined || s.queue === queue)
  );
  const minutes = Math.max(1, (nowMs - sinceMs) / MINUTE_MS);
  const view = (name: string, counters: Counters, runs: RunSample[]): WindowStats => ({
    queue: name,
    ...counters,
    completed_per_minute: Math.round((counters.completed / minutes) * 100) / 100,
    wait_seconds: percentiles(runs.map((s) => s.waitMs)),
    run_seconds: percentiles(runs.map((s) => s.runMs)),
  });
  const all = zeroCounters();
  for (const counters of perQueue.values()) {
    for (const key of COUNTER_NAMES) all[key] += counters[key];
  }
  const names = [...new Set([...perQueue.keys(), ...samples.map((s) => s.queue)])].sort();
  return {
    since: new Date(sinceMs).toISOString(),
    until: new Date(nowMs).toISOString(),
    total: view(queue ?? "all", all, samples),
    queues: names.map((name) =>
      view(name, perQueue.get(name) ?? zeroCounters(), samples.filter((s) => s.queue === name))
    ),
    minutes: [...series].map(([minute, point]) => ({
      minute: new Date(minute).toISOString(),
      ...point,
    })),
  };
}

/**
 * p50, p95 and max of durations, in seconds.
 * @param ms The durations in milliseconds.
 * @returns The percentiles, or `null` for none.
 */
export function percentiles(ms: number[]): Percentiles | null {
  if (ms.length === 0) return null;
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const seconds = (value: number) => Math.round(value) / 1000;
  return {
    p50: seconds(at(0.5)),
    p95: seconds(at(0.95)),
    max: seconds(sorted[sorted.length - 1]!),
    runs: sorted.length,
  };
}

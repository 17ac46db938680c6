/**
 * `/metrics`: the queue's figures in the Prometheus text format (version 0.0.4), with the names
 * CLI.md gives. Counters come from the state's totals, which never go backwards. The store keeps
 * only the times of the most recent runs, a window that slides; a Prometheus histogram must only
 * grow, so the dashboard folds each run it has not seen yet into histograms of its own
 * ({@linkcode RunHistograms}): they grow for the life of the process, and a restart reads, as
 * Prometheus expects of any counter, as a reset.
 * @module
 */

import type { QueueMetrics, RunSample } from "../queue/stats.ts";
import { COUNTER_NAMES } from "../queue/stats.ts";
import { JOB_STATES } from "../queue/job.ts";

/** Bucket bounds, in seconds, of the run time and wait time histograms. */
export const BUCKETS = [
  0.01,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
  30,
  60,
  120,
  300,
  600,
  1800,
  3600,
];

/** One histogram: counts per bucket (not cumulative), sum and count. */
interface Histogram {
  buckets: number[];
  sum: number;
  count: number;
}

function emptyHistogram(): Histogram {
  return { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
}

function observe(histogram: Histogram, seconds: number): void {
  const index = BUCKETS.findIndex((bound) => seconds <= bound);
  if (index >= 0) histogram.buckets[index]!++;
  histogram.sum += seconds;
  histogram.count++;
}

function sameSample(a: RunSample, b: RunSample): boolean {
  return a.at === b.at && a.queue === b.queue && a.runMs === b.runMs && a.waitMs === b.waitMs &&
    a.outcome === b.outcome;
}

/** Run and wait time histograms per queue that only grow. */
export class RunHistograms {
  readonly duration = new Map<string, Histogram>();
  readonly wait = new Map<string, Histogram>();
  #last: RunSample | undefined;

  /**
   * Adds the runs of `samples` (the store's recent runs, oldest first) not added before: those
   * after the last one seen, or all of them when it has left the window (more runs than the
   * window holds ended since the last look).
   * @param samples The recent runs.
   */
  fold(samples: readonly RunSample[]): void {
    let start = 0;
    const last = this.#last;
    if (last !== undefined) {
      // Searched from the newest: at most the store's window (2,000 runs).
      for (let i = samples.length - 1; i >= 0; i--) {
        if (sameSample(samples[i]!, last)) {
          start = i + 1;
          break;
        }
      }
    }
    for (let i = start; i < samples.length; i++) {
      const sample = samples[i]!;
      if (!this.duration.has(sample.queue)) {
        this.duration.set(sample.queue, emptyHistogram());
        this.wait.set(sample.queue, emptyHistogram());
      }
      observe(this.duration.get(sample.queue)!, sample.runMs / 1000);
      observe(this.wait.get(sample.queue)!, sample.waitMs / 1000);
    }
    if (samples.length > 0) this.#last = samples[samples.length - 1];
  }
}

/**
 * A label value as the text format writes it: `\`, `"` and newlines escaped.
 * @param value The value.
 * @returns The escaped value (without quotes).
 */
export function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function number(value: number): string {
  if (value === Infinity) return "+Inf";
  if (Number.isNaN(value)) return "NaN";
  return String(Math.round(value * 1e6) / 1e6);
}

/**
 * The whole `/metrics` page.
 * @param metrics The store's figures.
 * @param histograms The run and wait time histograms (already folded).
 * @returns The text, ending with a newline.
 */
export function metricsText(metrics: QueueMetrics, histograms: RunHistograms): string {
  const lines: string[] = [];
  const family = (name: string, type: string, help: string) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  const sample = (name: string, labels: Record<string, string>, value: number) => {
    const text = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",");
    lines.push(`${name}${text ? `{${text}}` : ""} ${number(value)}`);
  };
  const queues = [...new Set([...Object.keys(metrics.jobs), ...Object.keys(metrics.totals)])]
    .sort();

  family("queuectl_jobs", "gauge", "Jobs per queue and state, now.");
  for (const queue of queues) {
    for (const state of JOB_STATES) {
      sample("queuectl_jobs", { queue, state }, metrics.jobs[queue]?.[state] ?? 0);
    }
  }
  const counterHelp: Record<(typeof COUNTER_NAMES)[number], string> = {
    enqueued: "Jobs enqueued, since the queue began.",
    completed: "Jobs completed, since the queue began.",
    failed: "Failed runs (every run that ended in failure), since the queue began.",
    dead: "Jobs moved to the dead letter queue, since the queue began.",
    canceled: "Jobs canceled, since the queue began.",
  };
  for (const counter of COUNTER_NAMES) {
    const name = `queuectl_jobs_${counter}_total`;
    family(name, "counter", counterHelp[counter]);
    for (const queue of queues) sample(name, { queue }, metrics.totals[queue]?.[counter] ?? 0);
  }
  const histogramFamily = (name: string, help: string, perQueue: Map<string, Histogram>) => {
    family(name, "histogram", help);
    for (const queue of [...perQueue.keys()].sort()) {
      const histogram = perQueue.get(queue)!;
      let cumulative = 0;
      BUCKETS.forEach((bound, i) => {
        cumulative += histogram.buckets[i]!;
        sample(`${name}_bucket`, { queue, le: number(bound) }, cumulative);
      });
      sample(`${name}_bucket`, { queue, le: "+Inf" }, histogram.count);
      sample(`${name}_sum`, { queue }, histogram.sum);
      sample(`${name}_count`, { queue }, histogram.count);
    }
  };
  histogramFamily(
    "queuectl_job_duration_seconds",
    "How long runs took, from start to end (runs seen by this dashboard process).",
    histograms.duration,
  );
  histogramFamily(
    "queuectl_job_wait_seconds",
    "How long runs waited, from when their job was due to their start.",
    histograms.wait,
  );
  family(
    "queuectl_queue_latency_seconds",
    "gauge",
    "Age of the oldest due pending job per queue (0 when none).",
  );
  for (const queue of Object.keys(metrics.latency).sort()) {
    sample("queuectl_queue_latency_seconds", { queue }, metrics.latency[queue]!);
  }
  family("queuectl_workers", "gauge", "Workers per status.");
  for (const status of Object.keys(metrics.workers).sort()) {
    sample("queuectl_workers", { status }, metrics.workers[status]!);
  }
  return lines.join("\n") + "\n";
}

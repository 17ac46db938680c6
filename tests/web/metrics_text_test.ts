import assert from "node:assert/strict";
import type { QueueMetrics, RunSample } from "../../src/queue/stats.ts";
import { BUCKETS, escapeLabel, metricsText, RunHistograms } from "../../src/web/metrics_text.ts";
import { parsePrometheus, sampleValue } from "./_prometheus.ts";

function run(at: number, queue: string, runMs: number, waitMs = 100): RunSample {
  return { at, queue, runMs, waitMs, outcome: "completed" };
}

const METRICS: QueueMetrics = {
  totals: {
    default: { enqueued: 10, completed: 6, failed: 3, dead: 1, canceled: 1 },
    backups: { enqueued: 2, completed: 2, failed: 0, dead: 0, canceled: 0 },
  },
  jobs: {
    default: {
      pending: 2,
      waiting: 0,
      processing: 1,
      completed: 5,
      failed: 0,
      dead: 1,
      canceled: 1,
    },
    backups: {
      pending: 0,
      waiting: 0,
      processing: 0,
      completed: 2,
      failed: 0,
      dead: 0,
      canceled: 0,
    },
  },
  samples: [run(1, "default", 40), run(2, "default", 3000, 20_000), run(3, "backups", 90_000)],
  latency: { default: 12.5, backups: 0 },
  workers: { running: 2, stopping: 0, stopped: 3, lost: 1 },
};

Deno.test("/metrics parses back with the names of CLI.md, their types and values", () => {
  const histograms = new RunHistograms();
  histograms.fold(METRICS.samples);
  const parsed = parsePrometheus(metricsText(METRICS, histograms));
  assert.deepEqual(Object.fromEntries(parsed.types), {
    queuectl_jobs: "gauge",
    queuectl_jobs_enqueued_total: "counter",
    queuectl_jobs_completed_total: "counter",
    queuectl_jobs_failed_total: "counter",
    queuectl_jobs_dead_total: "counter",
    queuectl_jobs_canceled_total: "counter",
    queuectl_job_duration_seconds: "histogram",
    queuectl_job_wait_seconds: "histogram",
    queuectl_queue_latency_seconds: "gauge",
    queuectl_workers: "gauge",
  });
  for (const name of parsed.types.keys()) assert.ok(parsed.help.get(name), `HELP for ${name}`);
  const value = (name: string, labels: Record<string, string>) => sampleValue(parsed, name, labels);
  assert.equal(value("queuectl_jobs", { queue: "default", state: "pending" }), 2);
  assert.equal(value("queuectl_jobs", { queue: "default", state: "dead" }), 1);
  assert.equal(value("queuectl_jobs", { queue: "backups", state: "completed" }), 2);
  assert.equal(value("queuectl_jobs_enqueued_total", { queue: "default" }), 10);
  assert.equal(value("queuectl_jobs_failed_total", { queue: "default" }), 3);
  assert.equal(value("queuectl_jobs_canceled_total", { queue: "backups" }), 0);
  assert.equal(value("queuectl_queue_latency_seconds", { queue: "default" }), 12.5);
  assert.equal(value("queuectl_workers", { status: "running" }), 2);
  assert.equal(value("queuectl_workers", { status: "lost" }), 1);
  assert.equal(value("queuectl_job_duration_seconds_count", { queue: "default" }), 2);
  assert.equal(value("queuectl_job_duration_seconds_sum", { queue: "default" }), 3.04);
  assert.equal(value("queuectl_job_duration_seconds_bucket", { queue: "default", le: "0.05" }), 1);
  assert.equal(value("queuectl_job_duration_seconds_bucket", { queue: "default", le: "2.5" }), 1);
  assert.equal(value("queuectl_job_duration_seconds_bucket", { queue: "default", le: "5" }), 2);
  assert.equal(value("queuectl_job_duration_seconds_bucket", { queue: "backups", le: "60" }), 0);
  assert.equal(value("queuectl_job_duration_seconds_bucket", { queue: "backups", le: "120" }), 1);
  assert.equal(value("queuectl_job_wait_seconds_bucket", { queue: "default", le: "30" }), 2);
  assert.equal(value("queuectl_job_wait_seconds_bucket", { queue: "default", le: "10" }), 1);
});

Deno.test("histogram buckets are cumulative and end with +Inf equal to the count", () => {
  const histograms = new RunHistograms();
  histograms.fold(Array.from({ length: 500 }, (_, i) => run(i, "q", i * 37, i * 11)));
  const parsed = parsePrometheus(metricsText(METRICS, histograms));
  for (const name of ["queuectl_job_duration_seconds", "queuectl_job_wait_seconds"]) {
    const buckets = parsed.samples.filter((s) =>
      s.name === `${name}_bucket` && s.labels.queue === "q"
    );
    assert.equal(buckets.length, BUCKETS.length + 1);
    for (let i = 1; i < buckets.length; i++) {
      assert.ok(buckets[i]!.value >= buckets[i - 1]!.value, `${name} cumulative`);
    }
    assert.equal(buckets.at(-1)!.labels.le, "+Inf");
    assert.equal(buckets.at(-1)!.value, sampleValue(parsed, `${name}_count`, { queue: "q" }));
  }
});

Deno.test("histograms only grow as the store's window of recent runs slides", () => {
  const histograms = new RunHistograms();
  const all = Array.from({ length: 30 }, (_, i) => run(1000 + i, "q", 10));
  histograms.fold(all.slice(0, 10));
  histograms.fold(all.slice(0, 10)); // nothing new
  assert.equal(histograms.duration.get("q")!.count, 10);
  histograms.fold(all.slice(5, 20)); // 5 dropped from the front, 10 new
  assert.equal(histograms.duration.get("q")!.count, 20);
  histograms.fold(all.slice(25, 30)); // the last one seen left the window: all are new
  assert.equal(histograms.duration.get("q")!.count, 25);
  histograms.fold([]);
  assert.equal(histograms.duration.get("q")!.count, 25);
});

Deno.test("label values are escaped as the text format wants", () => {
  assert.equal(escapeLabel('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
  const parsed = parsePrometheus(
    metricsText({ ...METRICS, latency: { 'we"ird\\q': 1 } }, new RunHistograms()),
  );
  assert.equal(sampleValue(parsed, "queuectl_queue_latency_seconds", { queue: 'we"ird\\q' }), 1);
});

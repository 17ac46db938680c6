/**
 * `queuectl stats [--since DUR] [--queue Q]`: what happened in a window of time — enqueued,
 * completed, failed runs, dead, canceled; jobs per minute; wait and run time p50/p95/max; per
 * queue; and a small chart of completed and failed runs per minute.
 * @module
 */

import { ValidationError } from "../errors.ts";
import { parseDuration } from "../queue/duration.ts";
import {
  isValidQueueName,
  type Percentiles,
  type StatsReport,
  type WindowStats,
} from "../queue/mod.ts";
import { MINUTES_KEPT } from "../queue/stats.ts";
import { type CommandSpec, secondsOption } from "./command.ts";
import type { Output } from "./output.ts";
import { formatSpan } from "./time_format.ts";

const BARS = "▁▂▃▄▅▆▇█";
/** Longest chart, in characters: one per minute up to an hour, then minutes summed. */
const CHART_WIDTH = 64;

/**
 * A one-line bar chart of values.
 * @param values The values, oldest first.
 * @param width At most this many characters (values are summed into that many buckets).
 * @returns e.g. `▁▁▃█▂`.
 */
export function sparkline(values: number[], width = CHART_WIDTH): string {
  if (values.length === 0) return "";
  const per = Math.ceil(values.length / width);
  const buckets: number[] = [];
  for (let i = 0; i < values.length; i += per) {
    buckets.push(values.slice(i, i + per).reduce((a, b) => a + b, 0));
  }
  const max = Math.max(...buckets);
  if (max === 0) return " ".repeat(buckets.length);
  return buckets.map((v) => v === 0 ? " " : BARS[Math.min(7, Math.floor((v / max) * 7.999))]).join(
    "",
  );
}

/**
 * A duration for the stats table: milliseconds under a second, tenths under a minute.
 * @param seconds The duration.
 * @returns e.g. `120ms`, `4.2s`, `3m 5s`.
 */
export function shortDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60) return `${(Math.round(seconds * 10) / 10).toFixed(1)}s`;
  return formatSpan(seconds * 1000);
}

function times(p: Percentiles | null): string {
  if (p === null) return "-";
  return `${shortDuration(p.p50)} / ${shortDuration(p.p95)} / ${shortDuration(p.max)}`;
}

function printReport(out: Output, report: StatsReport, label: string): void {
  const rows = (q: WindowStats) => [
    q.queue,
    String(q.enqueued),
    String(q.completed),
    String(q.failed),
    String(q.dead),
    String(q.canceled),
    String(q.completed_per_minute),
    times(q.wait_seconds),
    times(q.run_seconds),
  ];
  out.line(`last ${label} (since ${report.since})`);
  out.table(
    [
      "QUEUE",
      "ENQUEUED",
      "COMPLETED",
      "FAILED",
      "DEAD",
      "CANCELED",
      "PER MIN",
      "WAIT p50/p95/max",
      "RUN p50/p95/max",
    ],
    [...report.queues.map(rows), ...(report.queues.length > 1 ? [rows(report.total)] : [])],
  );
  const completed = report.minutes.map((m) => m.completed);
  const failed = report.minutes.map((m) => m.failed);
  if (completed.some((n) => n > 0) || failed.some((n) => n > 0)) {
    const done = sparkline(completed);
    out.line();
    out.line(`completed │${out.paint("green", done)}│`);
    out.line(`failed    │${out.paint("red", sparkline(failed))}│`);
    out.line(`          ${label} ago${" ".repeat(Math.max(1, done.length - label.length - 5))}now`);
  }
}

export const statsCommand: CommandSpec = {
  name: ["stats"],
  summary: "what happened lately: counts, jobs per minute, wait and run times, per queue",
  details:
    `Failed counts every failed run (a job retried twice counts twice); dead and canceled count
jobs. Wait is from when a job was due to when it started. Counts per minute are kept for a day.
Examples:
  queuectl stats
  queuectl stats --since 15m --queue backups
  queuectl stats --json | jq .total.run_seconds`,
  options: {
    since: { type: "string", value: "DUR", help: "the window: 30m, 1h (default), up to 24h" },
    queue: { type: "string", short: "q", value: "Q", help: "only this queue" },
  },
  positionals: [0, 0],
  async run(context, _args, options) {
    const seconds = secondsOption(options, "since", parseDuration, MINUTES_KEPT * 60) ?? 3600;
    if (seconds <= 0) throw new ValidationError("Option --since must be more than 0");
    const queue = options.queue as string | undefined;
    if (queue !== undefined && !isValidQueueName(queue)) {
      throw new ValidationError(`Queue name "${queue}" must be 1-64 of A-Z a-z 0-9 . _ -`);
    }
    const report = await context.withStore((store) =>
      store.stats({
        sinceMs: Date.now() - seconds * 1000,
        ...(queue === undefined ? {} : { queue }),
      })
    );
    if (context.json) context.out.json(report);
    else printReport(context.out, report, formatSpan(seconds * 1000));
    return 0;
  },
};

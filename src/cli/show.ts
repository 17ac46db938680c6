/**
 * `queuectl show <id>`: one job with every field and its attempt history. Times are local with
 * their UTC offset and a relative hint; `--json` keeps ISO 8601 UTC.
 * @module
 */

import type { Attempt } from "../queue/mod.ts";
import type { CommandSpec } from "./command.ts";
import { cell } from "./output.ts";
import { formatSpan, localTime, localTimeWithHint } from "./time_format.ts";

/**
 * How long a run took, or has been running.
 * @param attempt One run.
 * @param nowMs The current time, epoch milliseconds.
 * @returns e.g. `3m 5s`, or `4s so far` while it runs.
 */
export function runLength(attempt: Attempt, nowMs: number): string {
  const started = Date.parse(attempt.started_at);
  if (attempt.finished_at === null) return `${formatSpan(nowMs - started)} so far`;
  return formatSpan(Date.parse(attempt.finished_at) - started);
}

export const showCommand: CommandSpec = {
  name: ["show"],
  args: "<id>",
  summary: "one job with all its fields, its dependencies and its attempt history",
  details: `Examples:
  queuectl show nightly-backup
  queuectl show nightly-backup --json | jq .last_error`,
  options: {},
  positionals: [1, 1],
  async run(context, args) {
    const job = await context.withStore((store) => store.getJob(args[0]!));
    if (context.json) {
      context.out.json(job);
      return 0;
    }
    const out = context.out;
    const now = Date.now();
    const when = (iso: string | null) => localTimeWithHint(iso, now);
    const fields: [string, string][] = [
      ["id", job.id],
      ["command", job.command],
      ["state", out.state(job.state)],
      ["attempts", `${job.attempts} of ${job.max_retries + 1} (max_retries ${job.max_retries})`],
      ["priority", String(job.priority)],
      ["run_at", when(job.run_at)],
      ["timeout", job.timeout === null ? "none" : `${job.timeout}s`],
      ["cwd", job.cwd],
      ["env", job.env === null ? "-" : Object.keys(job.env).join(", ")],
      ["created_at", when(job.created_at)],
      ["updated_at", when(job.updated_at)],
      ["started_at", when(job.started_at)],
      ["finished_at", when(job.finished_at)],
      ["next_run_at", when(job.next_run_at)],
      ["exit_code", job.exit_code === null ? "-" : String(job.exit_code)],
      ["last_error", job.last_error ?? "-"],
      ["worker_id", job.worker_id ?? "-"],
      ["depends_on", job.depends_on.length > 0 ? job.depends_on.join(", ") : "-"],
      ["dependents", job.dependents.length > 0 ? job.dependents.join(", ") : "-"],
      ["unique_key", job.unique_key ?? "-"],
    ];
    if (job.cancel_requested_at !== null) {
      fields.push(["cancel", `asked ${when(job.cancel_requested_at)}; its worker is killing it`]);
    }
    const width = Math.max(...fields.map(([name]) => name.length));
    for (const [name, value] of fields) out.line(`${name.padEnd(width)}  ${value}`);
    if (job.history.length > 0) {
      out.line();
      out.table(
        ["ATTEMPT", "WORKER", "STARTED", "TOOK", "OUTCOME", "EXIT", "ERROR"],
        job.history.map((a) => [
          String(a.attempt),
          a.worker_id,
          localTime(Date.parse(a.started_at)),
          runLength(a, now),
          a.outcome === null ? out.state("processing") : a.outcome,
          a.exit_code === null ? (a.signal ?? "-") : String(a.exit_code),
          cell(a.error, 50),
        ]),
      );
    }
    return 0;
  },
};

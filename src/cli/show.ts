/**
 * `queuectl show <id>`: one job with every field and its attempt history.
 * @module
 */

import type { CommandSpec } from "./command.ts";
import { cell, timeCell } from "./output.ts";

export const showCommand: CommandSpec = {
  name: ["show"],
  args: "<id>",
  summary: "one job with all its fields and its attempt history",
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
    const fields: [string, string][] = [
      ["id", job.id],
      ["command", job.command],
      ["state", out.state(job.state)],
      ["attempts", `${job.attempts} of ${job.max_retries + 1} (max_retries ${job.max_retries})`],
      ["priority", String(job.priority)],
      ["run_at", job.run_at],
      ["timeout", job.timeout === null ? "none" : `${job.timeout}s`],
      ["cwd", job.cwd],
      ["env", job.env === null ? "-" : Object.keys(job.env).join(", ")],
      ["created_at", job.created_at],
      ["updated_at", job.updated_at],
      ["started_at", job.started_at ?? "-"],
      ["finished_at", job.finished_at ?? "-"],
      ["next_run_at", job.next_run_at ?? "-"],
      ["exit_code", job.exit_code === null ? "-" : String(job.exit_code)],
      ["last_error", job.last_error ?? "-"],
      ["worker_id", job.worker_id ?? "-"],
    ];
    const width = Math.max(...fields.map(([name]) => name.length));
    for (const [name, value] of fields) out.line(`${name.padEnd(width)}  ${value}`);
    if (job.history.length > 0) {
      out.line();
      out.table(
        ["ATTEMPT", "WORKER", "STARTED", "FINISHED", "OUTCOME", "EXIT", "ERROR"],
        job.history.map((a) => [
          String(a.attempt),
          a.worker_id,
          timeCell(a.started_at),
          timeCell(a.finished_at),
          a.outcome === null ? out.state("processing") : a.outcome,
          a.exit_code === null ? (a.signal ?? "-") : String(a.exit_code),
          cell(a.error, 50),
        ]),
      );
    }
    return 0;
  },
};

/**
 * `queuectl list [--state S] [--limit N]` and the job table shared with `dlq list`.
 * @module
 */

import { ValidationError } from "../errors.ts";
import { isValidQueueName, type Job, JOB_STATES, type JobState } from "../queue/mod.ts";
import { type CommandContext, type CommandSpec, integerOption } from "./command.ts";
import { cell } from "./output.ts";
import { relativeCell, relativeTime } from "./time_format.ts";

/**
 * Checks a `--state` value.
 * @param raw What the user typed.
 * @returns The state.
 */
export function parseState(raw: string): JobState {
  if (!(JOB_STATES as readonly string[]).includes(raw)) {
    throw new ValidationError(`Unknown state "${raw}"; states: ${JOB_STATES.join(", ")}`);
  }
  return raw as JobState;
}

/**
 * When a job that waits for its time runs next: a scheduled pending job's `run_at`, a failed
 * job's retry (`next_run_at`); `-` for every other job.
 * @param job The job.
 * @param nowMs The current time, epoch milliseconds.
 * @returns e.g. `in 2h`, `12s ago` (a retry overdue: no worker runs), or `-`.
 */
export function dueCell(job: Job, nowMs: number): string {
  if (job.state === "failed") return relativeCell(job.next_run_at, nowMs);
  if (job.state !== "pending") return "-";
  const runAt = Date.parse(job.run_at);
  return runAt > nowMs ? relativeTime(runAt, nowMs) : "-";
}

/**
 * Prints jobs as a table, or as a JSON array with `--json`. Times are relative to now; JSON keeps
 * ISO 8601 UTC.
 * @param context The command context.
 * @param jobs The jobs.
 */
export function printJobs(context: CommandContext, jobs: Job[]): void {
  if (context.json) return context.out.json(jobs);
  const out = context.out;
  if (jobs.length === 0) return out.note("no jobs");
  const now = Date.now();
  out.table(
    ["ID", "STATE", "QUEUE", "ATTEMPTS", "PRI", "DUE", "UPDATED", "COMMAND"],
    jobs.map((job) => [
      job.id,
      out.state(job.state),
      job.queue,
      `${job.attempts}/${job.max_retries + 1}`,
      String(job.priority),
      dueCell(job, now),
      relativeCell(job.updated_at, now),
      cell(job.command),
    ]),
  );
}

export const listCommand: CommandSpec = {
  name: ["list"],
  summary: "jobs, newest first, optionally of one state",
  details: `States: ${JOB_STATES.join(", ")}.
Examples:
  queuectl list --state pending --limit 20
  queuectl list --queue backups
  queuectl list --json | jq -r '.[] | select(.state=="failed") | .id'`,
  options: {
    state: { type: "string", short: "s", value: "S", help: "only jobs in this state" },
    limit: { type: "string", short: "n", value: "N", help: "at most N jobs" },
    queue: { type: "string", short: "q", value: "Q", help: "only jobs of this queue" },
  },
  positionals: [0, 0],
  async run(context, _args, options) {
    const state = options.state === undefined ? undefined : parseState(options.state as string);
    const limit = integerOption(options, "limit", 0);
    const queue = options.queue as string | undefined;
    if (queue !== undefined && !isValidQueueName(queue)) {
      throw new ValidationError(`Queue name "${queue}" must be 1-64 of A-Z a-z 0-9 . _ -`);
    }
    const jobs = await context.withStore((store) =>
      store.listJobs({
        ...(state === undefined ? {} : { state }),
        ...(queue === undefined ? {} : { queue }),
        ...(limit === undefined ? {} : { limit }),
      })
    );
    printJobs(context, jobs);
    return 0;
  },
};

/**
 * `queuectl list [--state S] [--limit N]` and the job table shared with `dlq list`.
 * @module
 */

import { ValidationError } from "../errors.ts";
import { type Job, JOB_STATES, type JobState } from "../queue/mod.ts";
import { type CommandContext, type CommandSpec, integerOption } from "./command.ts";
import { cell, timeCell } from "./output.ts";

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
 * Prints jobs as a table, or as a JSON array with `--json`.
 * @param context The command context.
 * @param jobs The jobs.
 */
export function printJobs(context: CommandContext, jobs: Job[]): void {
  if (context.json) return context.out.json(jobs);
  const out = context.out;
  if (jobs.length === 0) return out.note("no jobs");
  out.table(
    ["ID", "STATE", "ATTEMPTS", "PRI", "UPDATED", "COMMAND"],
    jobs.map((job) => [
      job.id,
      out.state(job.state),
      `${job.attempts}/${job.max_retries + 1}`,
      String(job.priority),
      timeCell(job.updated_at),
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
  queuectl list --json | jq -r '.[] | select(.state=="failed") | .id'`,
  options: {
    state: { type: "string", short: "s", value: "S", help: "only jobs in this state" },
    limit: { type: "string", short: "n", value: "N", help: "at most N jobs" },
  },
  positionals: [0, 0],
  async run(context, _args, options) {
    const state = options.state === undefined ? undefined : parseState(options.state as string);
    const limit = integerOption(options, "limit", 0);
    const jobs = await context.withStore((store) =>
      store.listJobs({
        ...(state === undefined ? {} : { state }),
        ...(limit === undefined ? {} : { limit }),
      })
    );
    printJobs(context, jobs);
    return 0;
  },
};

/**
 * `queuectl schedule add | list | remove | pause | resume`: recurring jobs. Running workers
 * enqueue each tick exactly once, as the job `<name>:<tick in UTC as YYYYMMDDTHHMMSSZ>`.
 * @module
 */

import { ValidationError } from "../errors.ts";
import { resolve } from "../platform/paths.ts";
import { checkTimezone, localTimezone } from "../queue/cron.ts";
import { type JobInput, parseJobJson } from "../queue/mod.ts";
import type { ScheduleView } from "../queue/schedules.ts";
import { type CommandContext, type CommandSpec, usageError } from "./command.ts";
import { cell } from "./output.ts";
import { localTimeWithHint, relativeCell } from "./time_format.ts";

/** Fields a schedule's job may not have: each tick decides them. */
const TICK_FIELDS = ["id", "run_at", "depends_on"] as const;

async function scheduleJob(context: CommandContext, text: string): Promise<JobInput> {
  let job: JobInput;
  try {
    job = parseJobJson(text);
  } catch (error) {
    if (error instanceof ValidationError) {
      throw new ValidationError(`Option --job: ${error.message}`);
    }
    throw error;
  }
  for (const field of TICK_FIELDS) {
    if (job[field] !== undefined) {
      throw new ValidationError(
        `Option --job: field "${field}" is not allowed: each tick makes its own (id <name>:<tick>)`,
      );
    }
  }
  const cwd = resolve(context.cwd, job.cwd ?? context.cwd);
  const info = await Deno.stat(cwd).catch(() => undefined);
  if (!info?.isDirectory) {
    throw new ValidationError(`Option --job: field "cwd": "${cwd}" is not an existing directory`);
  }
  return { ...job, cwd };
}

function printSchedules(context: CommandContext, schedules: ScheduleView[]): void {
  if (context.json) return context.out.json(schedules);
  if (schedules.length === 0) return context.out.note("no schedules");
  const now = Date.now();
  const out = context.out;
  out.table(
    ["NAME", "CRON", "TIMEZONE", "NEXT", "LAST", "COMMAND"],
    schedules.map((s) => [
      s.name,
      s.cron,
      s.timezone,
      s.paused ? out.paint("yellow", "paused") : relativeCell(s.next_run, now),
      relativeCell(s.last_run, now),
      cell(s.job.command, 40),
    ]),
  );
}

export const scheduleAddCommand: CommandSpec = {
  name: ["schedule", "add"],
  args: "<name> --cron EXPR --job '<json>'",
  summary: "add a recurring job; workers enqueue it at each tick, exactly once",
  details: `EXPR is standard 5-field cron: minute hour day-of-month month day-of-week, in --timezone
(an IANA name; default this machine's zone). The job is JSON as enqueue takes it, without id,
run_at and depends_on: each tick enqueues it as the job <name>:<tick in UTC, YYYYMMDDTHHMMSSZ>.
Ticks missed while no worker ran are not backfilled. A daylight-saving change neither skips nor
doubles a daily tick.
Examples:
  queuectl schedule add nightly --cron "0 3 * * *" --job '{"command":"backup.sh"}' --timezone Europe/Berlin
  queuectl schedule add tidy --cron "*/15 * * * *" --job '{"command":"tidy.sh","queue":"maintenance"}'`,
  options: {
    cron: {
      type: "string",
      value: "EXPR",
      help: "when: minute hour day-of-month month day-of-week",
    },
    job: { type: "string", value: "JSON", help: "the job each tick enqueues" },
    timezone: { type: "string", value: "TZ", help: "IANA time zone (default: this machine's)" },
    replace: { type: "boolean", help: "replace a schedule of that name" },
  },
  positionals: [1, 1],
  async run(context, args, options) {
    const cron = options.cron as string | undefined;
    const jobText = options.job as string | undefined;
    if (cron === undefined) throw usageError(scheduleAddCommand, "Missing option --cron EXPR");
    if (jobText === undefined) throw usageError(scheduleAddCommand, "Missing option --job JSON");
    const timezone = (options.timezone as string | undefined) ?? localTimezone();
    checkTimezone(timezone);
    const job = await scheduleJob(context, jobText);
    const view = await context.withStore((store) =>
      store.addSchedule({ name: args[0]!, cron, timezone, job }, options.replace === true)
    );
    if (context.json) context.out.json(view);
    else {
      const next = view.next_run === null ? "never" : localTimeWithHint(view.next_run, Date.now());
      context.out.line(`schedule ${view.name}: next run ${next}`);
    }
    return 0;
  },
};

export const scheduleListCommand: CommandSpec = {
  name: ["schedule", "list"],
  summary: "recurring jobs, with their next and last run",
  details: `Examples:
  queuectl schedule list
  queuectl schedule list --json | jq -r '.[].next_run'`,
  options: {},
  positionals: [0, 0],
  async run(context) {
    printSchedules(context, await context.withStore((store) => store.listSchedules()));
    return 0;
  },
};

export const scheduleRemoveCommand: CommandSpec = {
  name: ["schedule", "remove"],
  args: "<name>",
  summary: "remove a recurring job (the jobs it enqueued stay)",
  details: `Examples:
  queuectl schedule remove nightly`,
  options: {},
  positionals: [1, 1],
  async run(context, args) {
    await context.withStore((store) => store.removeSchedule(args[0]!));
    if (context.json) context.out.json({ removed: args[0] });
    else context.out.line(`schedule ${args[0]} removed`);
    return 0;
  },
};

function pauseCommand(paused: boolean): CommandSpec {
  return {
    name: ["schedule", paused ? "pause" : "resume"],
    args: "<name>",
    summary: paused
      ? "stop a recurring job's ticks (until resume)"
      : "tick again from now on (missed ticks are not backfilled)",
    details: `Examples:
  queuectl schedule ${paused ? "pause" : "resume"} nightly`,
    options: {},
    positionals: [1, 1],
    async run(context, args) {
      const view = await context.withStore((store) => store.pauseSchedule(args[0]!, paused));
      if (context.json) context.out.json(view);
      else context.out.line(`schedule ${view.name} ${paused ? "paused" : "resumed"}`);
      return 0;
    },
  };
}

export const schedulePauseCommand = pauseCommand(true);
export const scheduleResumeCommand = pauseCommand(false);

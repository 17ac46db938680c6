/**
 * Recurring jobs: which ticks are due, the id of a tick's job, and the public view of a schedule.
 * A tick fires at most once: its job's id is `<name>:<tick in UTC as YYYYMMDDTHHMMSSZ>`, decided
 * under the lock together with the `tick` record that moves the schedule's `last_run` past it.
 * Missed ticks are not backfilled: only the latest tick after `since` and `last_run` fires.
 * @module
 */

import { ValidationError } from "../errors.ts";
import { type CronSchedule, parseCron } from "./cron.ts";
import type { JobInput } from "./job_input.ts";
import type { QueueState, Schedule } from "./state.ts";

/** A schedule as `schedule list` shows it. */
export interface ScheduleView {
  name: string;
  cron: string;
  timezone: string;
  job: JobInput;
  paused: boolean;
  /** The next tick that will fire, or `null` when paused (or never again). */
  next_run: string | null;
  last_run: string | null;
}

/** A schedule to add: its job as `enqueue` takes it, without `id` and `run_at`. */
export interface ScheduleSpec {
  name: string;
  cron: string;
  timezone: string;
  job: JobInput;
}

/** A tick that is due. */
export interface DueTick {
  schedule: Schedule;
  tickMs: number;
}

const NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Checks a schedule's name: 1–64 of `[A-Za-z0-9._-]` (with the tick it makes a job id).
 * @param name The name.
 * @returns The name.
 * @throws {ValidationError} otherwise.
 */
export function checkScheduleName(name: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw new ValidationError(`Schedule name "${name}" must be 1-64 of A-Z a-z 0-9 . _ -`);
  }
  return name;
}

/**
 * The id of the job a tick enqueues.
 * @param name The schedule.
 * @param tickMs The tick.
 * @returns e.g. `nightly:20261201T030000Z`.
 * @example
 * ```ts
 * tickJobId("nightly", Date.parse("2026-12-01T03:00:00Z")); // "nightly:20261201T030000Z"
 * ```
 */
export function tickJobId(name: string, tickMs: number): string {
  const iso = new Date(tickMs).toISOString();
  return `${name}:${iso.slice(0, 19).replace(/[-:]/g, "")}Z`;
}

/** Parsed expressions, kept per process: parsing is the slow part of looking for due ticks. */
export class CronCache {
  #parsed = new Map<string, Promise<CronSchedule>>();

  /** The parsed schedule of an expression in a zone. */
  get(cron: string, timezone: string): Promise<CronSchedule> {
    const key = `${timezone}\u0000${cron}`;
    let parsed = this.#parsed.get(key);
    if (!parsed) {
      parsed = parseCron(cron, timezone);
      this.#parsed.set(key, parsed);
      parsed.catch(() => this.#parsed.delete(key));
    }
    return parsed;
  }
}

/**
 * The ticks due at `nowMs`: for each running schedule, its latest tick at or before now, if it is
 * later than both `since` and `last_run`.
 * @param state The queue state.
 * @param nowMs The current time.
 * @param crons Parsed expressions.
 * @returns The due ticks.
 */
export async function dueTicks(
  state: QueueState,
  nowMs: number,
  crons: CronCache,
): Promise<DueTick[]> {
  const due: DueTick[] = [];
  for (const schedule of state.schedules.values()) {
    if (schedule.paused) continue;
    const latest = (await crons.get(schedule.cron, schedule.timezone)).latestAtOrBefore(nowMs);
    if (latest === undefined) continue;
    const after = Math.max(
      Date.parse(schedule.since),
      schedule.last_run === null ? -Infinity : Date.parse(schedule.last_run),
    );
    if (latest > after) due.push({ schedule, tickMs: latest });
  }
  return due;
}

/**
 * A schedule's public view, with its next tick.
 * @param schedule The schedule.
 * @param nowMs The current time.
 * @param crons Parsed expressions.
 * @returns The view.
 */
export async function scheduleView(
  schedule: Schedule,
  nowMs: number,
  crons: CronCache,
): Promise<ScheduleView> {
  let next: number | undefined;
  if (!schedule.paused) {
    const cron = await crons.get(schedule.cron, schedule.timezone);
    const after = Math.max(nowMs, Date.parse(schedule.since));
    next = cron.nextAfter(after);
  }
  return {
    name: schedule.name,
    cron: schedule.cron,
    timezone: schedule.timezone,
    job: schedule.job,
    paused: schedule.paused,
    next_run: next === undefined ? null : new Date(next).toISOString(),
    last_run: schedule.last_run,
  };
}

/**
 * Cron expressions, through croner (npm `croner`, DST-aware: a fixed-time tick skipped or repeated
 * by a daylight-saving change fires once; interval ticks keep their real-time rate). Loaded on
 * first use only, so commands that have nothing to do with schedules start no slower.
 * @module
 */

import { ValidationError } from "../errors.ts";

/** A parsed schedule expression in a time zone. */
export interface CronSchedule {
  /** The latest tick at or before `ms`, if any. */
  latestAtOrBefore(ms: number): number | undefined;
  /** The first tick after `ms`, if any. */
  nextAfter(ms: number): number | undefined;
}

type CronModule = typeof import("npm:croner@11.0.1");
let loading: Promise<CronModule> | undefined;

/**
 * Parses a standard 5-field cron expression (minute hour day-of-month month day-of-week) in a time
 * zone. Requires the `croner` module (loaded here on first use).
 * @param expression e.g. `0 3 * * *`.
 * @param timezone An IANA time zone, e.g. `Europe/Berlin`.
 * @returns The schedule.
 * @throws {ValidationError} for a bad expression or an unknown time zone.
 */
export async function parseCron(expression: string, timezone: string): Promise<CronSchedule> {
  checkTimezone(timezone);
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) {
    throw new ValidationError(
      `Cron expression "${expression}" must have 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`,
    );
  }
  const { Cron } = await loadCroner();
  let cron: InstanceType<CronModule["Cron"]>;
  try {
    cron = new Cron(fields.join(" "), { timezone, paused: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, "") : error;
    throw new ValidationError(`Cron expression "${expression}" is not valid: ${reason}`);
  }
  return {
    latestAtOrBefore(ms: number) {
      return cron.previousRuns(1, new Date(ms + 1))[0]?.getTime();
    },
    nextAfter(ms: number) {
      return cron.nextRun(new Date(ms))?.getTime();
    },
  };
}

/**
 * Checks an IANA time zone name.
 * @param timezone The name.
 * @throws {ValidationError} if no such zone is known.
 */
export function checkTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch {
    throw new ValidationError(
      `Unknown time zone "${timezone}" (use an IANA name like Europe/Berlin)`,
    );
  }
}

/**
 * The machine's local time zone, the default of a new schedule.
 * @returns An IANA name, `UTC` if unknown.
 */
export function localTimezone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** The cron library, on first use (or now: see `preloadLazyModules`). */
export function loadCroner(): Promise<CronModule> {
  // The full specifier: the installed bundle runs without deno.json.
  return loading ??= import("npm:croner@11.0.1");
}

/**
 * Durations as users type them: plain seconds (`30`, `0.5`) or with a unit (`250ms`, `2m`, `7d`).
 * @module
 */

/**
 * The longest duration queuectl accepts anywhere a duration is typed (`wait --timeout`, a job's
 * `timeout`, `job_timeout`, `backoff_max`): 366 days, in seconds. Far past anything a queue waits
 * for, and far from where milliseconds stop fitting a timer or a date.
 */
export const MAX_DURATION_SECONDS = 366 * 86400;

const UNIT_SECONDS: Record<string, number> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 604800,
};

/**
 * Parses a duration.
 * @param text e.g. `30`, `1.5`, `250ms`, `2m`, `12h`, `7d`.
 * @returns Seconds, or `undefined` if `text` is not a duration.
 * @example
 * ```ts
 * parseDuration("2m"); // 120
 * ```
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h|d|w)?$/.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] ?? "s"]!;
  return Number.isFinite(seconds) ? seconds : undefined;
}

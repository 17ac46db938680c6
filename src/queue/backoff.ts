/**
 * Exponential backoff between retries.
 * @module
 */

import { DEFAULT_CONFIG } from "./config.ts";
import { MAX_DURATION_SECONDS } from "./duration.ts";

/**
 * Seconds to wait after the n-th failed run: `base ^ n`, capped at `max`. Total: whatever the
 * settings, the result is a finite number from 0 to `max` and at most 366 days, so
 * `Date.now() + delay * 1000` is always a valid date (a worker settling a failed run must never
 * throw).
 * @param failures How many runs have failed so far (n ≥ 1).
 * @param base The `backoff_base` setting.
 * @param max The `backoff_max` setting, in seconds.
 * @returns The delay in seconds.
 * @example
 * ```ts
 * backoffDelay(3, 2, 3600); // 8
 * backoffDelay(5000, 1000, 1e23); // 31622400 (366 days)
 * ```
 */
export function backoffDelay(failures: number, base: number, max: number): number {
  const cap = Number.isNaN(max)
    ? DEFAULT_CONFIG.backoff_max
    : Math.min(Math.max(max, 0), MAX_DURATION_SECONDS);
  const delay = base ** failures;
  if (Number.isNaN(delay)) return cap;
  return Math.min(Math.max(delay, 0), cap);
}

/**
 * Exponential backoff between retries.
 * @module
 */

/**
 * Seconds to wait after the n-th failed run: `base ^ n`, capped at `max`.
 * @param failures How many runs have failed so far (n ≥ 1).
 * @param base The `backoff_base` setting.
 * @param max The `backoff_max` setting, in seconds.
 * @returns The delay in seconds.
 * @example
 * ```ts
 * backoffDelay(3, 2, 3600); // 8
 * ```
 */
export function backoffDelay(failures: number, base: number, max: number): number {
  return Math.min(base ** failures, max);
}

/**
 * Timers that cannot overflow. `setTimeout` takes a signed 32-bit delay: anything past about 24.8
 * days fires at once. Every delay queuectl sets goes through here.
 * @module
 */

/** The longest delay `setTimeout` honours, in milliseconds (2^31 - 1). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A delay made safe for `setTimeout`: not negative, not NaN, at most {@linkcode MAX_TIMER_MS}.
 * @param ms The wanted delay in milliseconds.
 * @returns The delay to pass to `setTimeout`.
 * @example
 * ```ts
 * clampTimerMs(30 * 86400 * 1000); // 2147483647
 * ```
 */
export function clampTimerMs(ms: number): number {
  if (!(ms > 0)) return 0;
  return Math.min(ms, MAX_TIMER_MS);
}

/** A pending {@linkcode setLongTimeout}. */
export interface LongTimer {
  clear(): void;
}

/**
 * Calls `callback` after `ms` milliseconds, however long that is: delays past
 * {@linkcode MAX_TIMER_MS} are waited out in steps.
 * @param callback What to call.
 * @param ms The delay in milliseconds (clamped at 0).
 * @returns A handle to cancel it.
 */
export function setLongTimeout(callback: () => void, ms: number): LongTimer {
  const due = Date.now() + Math.max(0, Number.isFinite(ms) ? ms : Number.MAX_SAFE_INTEGER);
  let timer: ReturnType<typeof setTimeout>;
  const arm = () => {
    const left = due - Date.now();
    timer = setTimeout(left > MAX_TIMER_MS ? arm : callback, clampTimerMs(left));
  };
  arm();
  return { clear: () => clearTimeout(timer) };
}

/**
 * Resolves after `ms` milliseconds (clamped to what a timer can hold).
 * @param ms The delay.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, clampTimerMs(ms)));
}

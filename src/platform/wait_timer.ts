/**
 * A bound on a wait that costs nothing to arm. Deno's `setTimeout` is Node's (it returns a
 * `Timeout`): its first call in a process loads Deno's Node timer modules, ~4 ms, which a
 * one-shot command such as `enqueue` pays for a lock it gets at once. `Atomics.waitAsync` is
 * V8's own timer. Each one costs more than a `setTimeout` after that first call (a shared buffer,
 * and a task V8 keeps until the delay would have passed): a process that arms thousands should
 * use `setTimeout`.
 * @module
 */

import type { LongTimer } from "./timers.ts";

/**
 * Calls `callback` after `ms` milliseconds unless cleared first. Unlike `setTimeout`, the timer
 * does not keep the process alive: use it to bound a wait on something that does (a file lock
 * being taken, a child process), never as a sleep of its own.
 * @param callback What to call.
 * @param ms The delay in milliseconds; `Infinity` never fires, 0 or less fires on the next tick.
 * @returns A handle to cancel it.
 * @example
 * ```ts
 * const timer = setWaitTimeout(() => console.log("still waiting"), 30_000);
 * await file.lock(true);
 * timer.clear();
 * ```
 */
export function setWaitTimeout(callback: () => void, ms: number): LongTimer {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  let cleared = false;
  const fire = () => {
    if (!cleared) {
      cleared = true;
      callback();
    }
  };
  const delay = Number.isNaN(ms) ? 0 : Math.max(0, ms);
  const wait = Atomics.waitAsync(cell, 0, 0, delay);
  if (wait.async) {
    wait.value.then((outcome) => {
      if (outcome === "timed-out") fire();
    });
  } else {
    queueMicrotask(fire);
  }
  return {
    clear: () => {
      if (cleared) return;
      cleared = true;
      Atomics.notify(cell, 0);
    },
  };
}

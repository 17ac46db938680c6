/**
 * Lets an idle worker sleep until something happens: the journal changed, a signal arrived, or a
 * deadline passed.
 * @module
 */

import { watchJournalFile } from "../journal/watch.ts";
import { clampTimerMs } from "../platform/timers.ts";

/** A resettable wake-up call. */
export class Wakeup {
  #pending = false;
  #resolve: (() => void) | undefined;

  /** Wakes the current sleeper, or makes the next sleep return at once. */
  notify(): void {
    if (this.#resolve) {
      const resolve = this.#resolve;
      this.#resolve = undefined;
      resolve();
    } else {
      this.#pending = true;
    }
  }

  /**
   * Sleeps until {@linkcode Wakeup.notify} or `ms` milliseconds.
   * @param ms The longest sleep.
   */
  sleep(ms: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#resolve = undefined;
        resolve();
      }, clampTimerMs(ms));
      this.#resolve = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/**
 * Watches a home directory and calls `onChange` whenever `journal.jsonl` changes. Requires
 * `--allow-read`.
 * @param home The queue home.
 * @param onChange Called on each change (often several times per write).
 * @returns A handle to stop watching.
 */
export function watchJournal(home: string, onChange: () => void): { close(): void } {
  return watchJournalFile(home, onChange);
}

/**
 * Lets an idle worker sleep until something happens: the journal changed, a signal arrived, or a
 * deadline passed.
 * @module
 */

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
 * Watches a home directory and calls `onChange` whenever `journal.jsonl` changes, so idle workers
 * pick up new jobs at once instead of waiting for the next poll. Requires `--allow-read`.
 * @param home The queue home.
 * @param onChange Called on each change (often several times per write).
 * @returns A handle to stop watching; watching silently degrades to nothing if unsupported.
 */
export function watchJournal(home: string, onChange: () => void): { close(): void } {
  let watcher: Deno.FsWatcher;
  try {
    watcher = Deno.watchFs(home, { recursive: false });
  } catch {
    return { close() {} };
  }
  (async () => {
    try {
      for await (const event of watcher) {
        if (event.paths.some((path) => path.endsWith("journal.jsonl"))) onChange();
      }
    } catch {
      // Watching ended (closed, or the platform gave up): polling still covers us.
    }
  })();
  return {
    close() {
      try {
        watcher.close();
      } catch {
        // Already closed.
      }
    },
  };
}

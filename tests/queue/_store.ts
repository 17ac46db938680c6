/**
 * Test helper: a journal store on a temporary home with a hand-driven clock.
 * @module
 */

import { JournalQueueStore } from "../../src/queue/mod.ts";
import { withTempHome } from "../_temp_home.ts";

/** A clock tests move by hand. */
export interface FakeClock {
  now: () => number;
  advance: (seconds: number) => void;
}

/** Starts a fake clock at a fixed instant. */
export function fakeClock(start = Date.parse("2026-01-01T00:00:00.000Z")): FakeClock {
  let t = start;
  return { now: () => t, advance: (seconds) => (t += seconds * 1000) };
}

/**
 * Runs `body` with a store on a fresh temp home and a fake clock; closes and removes afterwards.
 * @param body The test.
 */
export function withStore(
  body: (store: JournalQueueStore, clock: FakeClock, home: string) => Promise<void>,
): Promise<void> {
  return withTempHome(async (home) => {
    const clock = fakeClock();
    const store = await JournalQueueStore.open(home, { now: clock.now });
    try {
      await body(store, clock, home);
    } finally {
      await store.close();
    }
  });
}

/** A run result for a clean exit. */
export const SUCCESS = { exitCode: 0, signal: null, timedOut: false, error: null } as const;

/** A run result for exit code `code`. */
export function failure(code = 1) {
  return { exitCode: code, signal: null, timedOut: false, error: `exit code ${code}` };
}

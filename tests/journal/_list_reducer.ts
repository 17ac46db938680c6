/**
 * Test helper: the simplest reducer, a list of the records' `n` values, so journal tests do not
 * depend on the queue's meaning.
 * @module
 */

import type { JournalSettings, Reducer } from "../../src/journal/mod.ts";

/** The state: every `n` seen, in order. */
export interface ListState {
  values: number[];
}

/**
 * A reducer collecting `n` of every `add` record; its snapshot is one `add` per value.
 * @param settings Journal settings to report.
 * @returns The reducer.
 */
export function listReducer(
  settings: JournalSettings = { fsync: "always", compactMinBytes: 1 << 30 },
): Reducer<ListState> {
  return {
    init: () => ({ values: [] }),
    apply: (state, record) => {
      if (record.op === "add") state.values.push(record.n as number);
    },
    snapshot: (state) => state.values.map((n) => ({ op: "add", n })),
    // Every value stays, so no compaction would shrink it: let size alone decide in the tests.
    liveRecords: () => 0,
    settings: () => settings,
  };
}

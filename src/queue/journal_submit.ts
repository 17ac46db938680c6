/**
 * Enqueueing on the journal without the queue's state. The records an enqueue writes need none
 * when its ids are generated, and need only a search of the journal's records when the user gave
 * them (no record may name them yet); dependencies and unique keys need the state. The journal is
 * still checked as a load checks it (all of it, or its end when it is big and the ids generated). The CLI's plain
 * `enqueue` starts here, so that a fresh process neither replays the journal nor loads the
 * reducer and the store's other operations (a replay costs ~17 µs a record in a fresh process,
 * loading them ~1 ms).
 * @module
 */

import { asciiJson } from "../journal/framing.ts";
import { Journal, type Reducer } from "../journal/journal.ts";
import { ulidFactory } from "../platform/ulid.ts";
import { enqueueFields } from "./enqueue_plan.ts";
import type { JobInput } from "./job_input.ts";
import { enqueueRecord, type QueueRecord } from "./records.ts";
import type { EnqueueContext } from "./store.ts";

/** Generates job ids: ULIDs, monotonic within the process. */
export const newJobId = ulidFactory();

/** An enqueue that can be written without the state: its records, ids, and what must be absent. */
export interface BlindEnqueue {
  records: QueueRecord[];
  ids: string[];
  /** Each id the user gave as records write it (`"id":"job1"`): no record may hold one yet. */
  mentions: string[];
}

/**
 * The records of an enqueue that needs no state, if it needs none.
 * @param inputs The jobs.
 * @param context The enqueuer's defaults.
 * @param nowMs The time of the enqueue, epoch milliseconds.
 * @returns The enqueue, or `undefined` when it needs the state: a dependency, a unique key, or an
 *   id given twice (the ordinary path says which).
 */
export function blindEnqueue(
  inputs: JobInput[],
  context: EnqueueContext,
  nowMs: number,
): BlindEnqueue | undefined {
  if (inputs.some((input) => input.depends_on !== undefined || input.unique_key !== undefined)) {
    return undefined;
  }
  const given = inputs.flatMap((input) => input.id === undefined ? [] : [input.id]);
  if (new Set(given).size < given.length) return undefined;
  const at = new Date(nowMs).toISOString();
  const ids = inputs.map((input) => input.id ?? newJobId(Math.floor(nowMs)));
  const records = inputs.map((input, i) =>
    enqueueRecord(at, enqueueFields(input, ids[i]!, at, context))
  );
  return { records, ids, mentions: given.map((id) => `"id":${asciiJson(id)}`) };
}

/**
 * A reducer that keeps nothing: a journal opened with it only appends blind (and creates a
 * missing journal). Its settings are the defaults; a blind append is fsync'd whatever they say.
 */
const NO_STATE: Reducer<null> = {
  init: () => null,
  apply: () => {},
  snapshot: () => [],
  liveRecords: () => 0,
  settings: () => ({ fsync: "always", compactMinBytes: Number.MAX_SAFE_INTEGER }),
};

/**
 * Enqueues in `home` without loading the state, when the enqueue needs none. Requires
 * `--allow-read`, `--allow-write` and `--allow-sys=uid`.
 * @param home The queue home (made if missing).
 * @param inputs The jobs.
 * @param context The enqueuer's defaults.
 * @returns The new jobs' ids, or `undefined`: nothing was written, and the ordinary path (the
 *   store's `submit`) decides on the state.
 */
export async function submitWithoutState(
  home: string,
  inputs: JobInput[],
  context: EnqueueContext,
): Promise<string[] | undefined> {
  const blind = blindEnqueue(inputs, context, Date.now());
  if (!blind) return undefined;
  const journal = await Journal.open(home, { reducer: NO_STATE });
  try {
    return await journal.appendBlindUnless(blind.records, blind.mentions) ? blind.ids : undefined;
  } finally {
    await journal.close();
  }
}

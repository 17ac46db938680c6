/**
 * The journal engine: framing, locking, replay and compaction of `journal.jsonl`.
 * @module
 */

export * from "./journal.ts";
export type { JournalRecord, RecordBody } from "./framing.ts";
export { ensurePrivateDir } from "./home_dir.ts";

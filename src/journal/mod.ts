/**
 * The journal engine: framing, locking, replay and compaction of `journal.jsonl`.
 * @module
 */

export * from "./journal.ts";
export type { JournalRecord, RecordBody } from "./framing.ts";
export { ensurePrivateDir } from "./home_dir.ts";
export { inspectJournal, type JournalInspection } from "./inspect.ts";
export { repairJournal, type RepairReport } from "./repair.ts";
export * from "./storage_checks.ts";
export type { JournalStorage, StorageFile, StorageLock } from "./storage.ts";
export { denoStorage } from "./deno_storage.ts";
export { readJournalLines } from "./line_reader.ts";
export type { RawRecord } from "./framing.ts";

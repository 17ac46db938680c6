/**
 * Finding where a journal's valid content ends by reading backwards from its end, without
 * replaying it: what an append that needs no state (an enqueue with generated ids) uses to stay
 * as fast on a journal of a million records as on an empty one.
 * @module
 */

import { CorruptJournalError } from "../errors.ts";
import { type RawRecord, type Salt, verifyRecordLine } from "./framing.ts";
import { corruptionError } from "./scanner.ts";
import type { StorageFile } from "./storage.ts";

const FIRST_WINDOW = 64 * 1024;
const decoder = new TextDecoder();

/** Where the next record goes. */
export interface JournalTail {
  /** Byte offset just past the last complete record or transaction; bytes after it are torn. */
  end: number;
  /** Sequence number of the next record. */
  nextSeq: number;
  /** The file's size when it was searched: bytes from `end` to here are to be cut. */
  size: number;
}

/**
 * Locates the end of the last complete record or transaction, reading backwards from the end.
 * Torn bytes after it (an incomplete line, garbage, an unfinished transaction) are not valid: the
 * caller, holding the lock, truncates them. Damage further back is not looked for: a full load
 * still refuses it.
 * @param file The journal.
 * @param salt Its generation's salt.
 * @param headerEnd Byte offset just past the header line.
 * @param headerSeq The header's sequence number.
 * @returns The end of the valid content and the next sequence number.
 */
export async function locateTail(
  file: StorageFile,
  salt: Salt,
  headerEnd: number,
  headerSeq: number,
  path: string,
): Promise<JournalTail> {
  const size = await file.size();
  const last = await findBackwards(file, salt, headerEnd, size, () => true);
  if (!last) return { end: headerEnd, nextSeq: headerSeq + 1, size };
  await checkRecentRecords(file, salt, headerEnd, headerSeq, last.end, path);
  const { record, end } = last;
  const txn = record.txn;
  if (!txn || record.seq === txn[0] + txn[1] - 1) return { end, nextSeq: record.seq + 1, size };
  // An unfinished transaction: everything from its first record on is torn. Its first record
  // may be the last valid line itself.
  const first = await findBackwards(file, salt, headerEnd, last.end, (r) => r.seq === txn[0]);
  if (!first) {
    throw new CorruptJournalError(
      `Journal "${path}" ends in transaction ${txn[0]} whose first record is missing; ` +
        `run "queuectl doctor" to inspect and "queuectl doctor --repair" to cut it there`,
    );
  }
  return { end: first.start, nextSeq: txn[0], size };
}

/**
 * Refuses a journal whose last window of records is not a clean run (a bad line followed by valid
 * ones, or a gap in the sequence): appending after damage would hide it until the next full
 * load. Damage further back is left to that load, as for any reader that only reads new records.
 */
async function checkRecentRecords(
  file: StorageFile,
  salt: Salt,
  headerEnd: number,
  headerSeq: number,
  end: number,
  path: string,
): Promise<void> {
  const start = Math.max(headerEnd, end - FIRST_WINDOW);
  const bytes = await file.readAt(start, end - start);
  let lineStart = start === headerEnd ? 0 : bytes.indexOf(10) + 1;
  // From the header on, the first record's sequence number is known too.
  let expected: number | undefined = start === headerEnd ? headerSeq + 1 : undefined;
  // Line numbers are known when the window reaches back to the header (line 1).
  let line = start === headerEnd ? 2 : undefined;
  while (lineStart > 0 || (lineStart === 0 && start === headerEnd)) {
    const lineEnd = bytes.indexOf(10, lineStart);
    if (lineEnd < 0) break;
    const decoded = verifyRecordLine(decoder.decode(bytes.subarray(lineStart, lineEnd)), salt);
    const seq = decoded.ok ? decoded.record.seq : undefined;
    if (seq === undefined || (expected !== undefined && seq !== expected)) {
      const where = line === undefined ? `near byte ${start + lineStart}` : `at line ${line}`;
      const reason = decoded.ok
        ? `sequence number ${seq} where ${expected} was expected`
        : decoded.reason;
      throw corruptionError(path, where, reason, line);
    }
    expected = seq + 1;
    if (line !== undefined) line++;
    lineStart = lineEnd + 1;
    if (lineStart >= bytes.length) break;
  }
}

/** The last valid line before `limit` that `accept` takes, with its byte range. */
async function findBackwards(
  file: StorageFile,
  salt: Salt,
  headerEnd: number,
  limit: number,
  accept: (record: RawRecord) => boolean,
): Promise<{ record: RawRecord; start: number; end: number } | undefined> {
  for (let window = FIRST_WINDOW;; window *= 4) {
    const start = Math.max(headerEnd, limit - window);
    const bytes = await file.readAt(start, limit - start);
    let lineEnd = bytes.lastIndexOf(10);
    while (lineEnd >= 0) {
      const previous = lineEnd === 0 ? -1 : bytes.lastIndexOf(10, lineEnd - 1);
      // A line that starts before the window cannot be read whole: widen the window.
      if (previous < 0 && start > headerEnd) break;
      const line = decoder.decode(bytes.subarray(previous + 1, lineEnd));
      const decoded = verifyRecordLine(line, salt);
      if (decoded.ok && accept(decoded.record)) {
        return { record: decoded.record, start: start + previous + 1, end: start + lineEnd + 1 };
      }
      lineEnd = previous;
    }
    if (start === headerEnd) return undefined;
  }
}

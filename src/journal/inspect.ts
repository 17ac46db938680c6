/**
 * Verification of a whole journal file for `queuectl doctor`: header, every checksum, sequence
 * number and transaction, and where the valid records end. Unlike loading, it never throws on
 * damage: it reports.
 * @module
 */

import { decodeHeaderLine, type JournalRecord, saltOf } from "./framing.ts";
import { type BadLine, RecordScanner } from "./scanner.ts";

/** What a full pass over a journal found. */
export interface JournalInspection {
  bytes: number;
  /** `undefined` when the header itself is damaged. */
  header: { seq: number; gen: string; created_at: string } | undefined;
  headerProblem: string | undefined;
  /** Valid records before the first bad one (or the unfinished transaction it is in). */
  records: number;
  lastSeq: number;
  /** Byte offset where the valid prefix ends. */
  validEnd: number;
  /** The first bad line; also set for an incomplete last line or transaction. */
  firstBad: BadLine | undefined;
  /** Valid records found after the first bad one: they make it mid-file corruption. */
  validAfterBad: JournalRecord[];
}

/**
 * Reads and checks a whole journal. Requires `--allow-read`.
 * @param path The journal file.
 * @returns The findings; `firstBad` with no `validAfterBad` is a torn tail.
 */
export async function inspectJournal(path: string): Promise<JournalInspection> {
  const bytes = await Deno.readFile(path);
  const text = new TextDecoder().decode(bytes);
  const result: JournalInspection = {
    bytes: bytes.length,
    header: undefined,
    headerProblem: undefined,
    records: 0,
    lastSeq: 0,
    validEnd: 0,
    firstBad: undefined,
    validAfterBad: [],
  };
  const headerEnd = text.indexOf("\n");
  const decodedHeader = headerEnd < 0
    ? { ok: false as const, reason: bytes.length === 0 ? "empty file" : "no complete first line" }
    : decodeHeaderLine(text.slice(0, headerEnd));
  if (!decodedHeader.ok) {
    result.headerProblem = decodedHeader.reason;
    return result;
  }
  const { seq, gen, created_at } = decodedHeader.header;
  result.header = { seq, gen, created_at };
  const scanner = new RecordScanner<JournalRecord>(
    path,
    saltOf(gen),
    { offset: headerEnd + 1, line: 2, nextSeq: seq + 1 },
    () => result.records++,
    "report",
  );
  scanner.feed(text.slice(headerEnd + 1));
  const tail = scanner.finish();
  const position = scanner.position;
  result.validEnd = position.offset;
  result.lastSeq = position.nextSeq - 1;
  result.validAfterBad = scanner.validAfterBad;
  if (tail.kind === "torn") result.firstBad = scanner.bad;
  else if (tail.kind === "partial") {
    result.firstBad = { line: tail.line, offset: tail.offset, reason: "incomplete last record" };
  }
  return result;
}

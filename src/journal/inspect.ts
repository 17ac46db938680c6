/**
 * Verification of a whole journal file for `queuectl doctor`: header, every checksum and sequence
 * number, and where the valid records end. Unlike loading, it never throws on damage: it reports.
 * @module
 */

import { decodeHeaderLine, decodeRecordLine, type JournalRecord, saltOf } from "./framing.ts";

/** The first record that does not validate. */
export interface BadRecord {
  line: number;
  offset: number;
  reason: string;
}

/** What a full pass over a journal found. */
export interface JournalInspection {
  bytes: number;
  /** `undefined` when the header itself is damaged. */
  header: { seq: number; gen: string; created_at: string } | undefined;
  headerProblem: string | undefined;
  /** Valid records before the first bad one. */
  records: number;
  lastSeq: number;
  /** Byte offset where the valid prefix ends. */
  validEnd: number;
  firstBad: BadRecord | undefined;
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
  const salt = saltOf(gen);
  let expected = seq + 1;
  let offset = headerEnd + 1;
  let line = 2;
  result.validEnd = offset;
  result.lastSeq = seq;
  while (offset < text.length) {
    const newline = text.indexOf("\n", offset);
    const end = newline < 0 ? text.length : newline;
    const decoded = newline < 0
      ? { ok: false as const, reason: "incomplete last line" }
      : decodeRecordLine(text.slice(offset, end), salt);
    if (result.firstBad === undefined) {
      if (decoded.ok && decoded.record.seq === expected) {
        result.records++;
        result.lastSeq = expected++;
        result.validEnd = end + 1;
      } else {
        const reason = decoded.ok
          ? `sequence number ${decoded.record.seq} where ${expected} was expected`
          : decoded.reason;
        result.firstBad = { line, offset, reason };
        if (decoded.ok) result.validAfterBad.push(decoded.record);
      }
    } else if (decoded.ok) {
      result.validAfterBad.push(decoded.record);
    }
    offset = end + 1;
    line++;
  }
  return result;
}

/**
 * Record framing: one JSON object per line, printable ASCII only, ending in a CRC-32C of its own
 * bytes salted with the journal's generation, so that torn writes, zeros, garbage and lines from
 * an older generation never validate.
 *
 * A record line looks like `{"seq":42,"at":"…","op":"claim","id":"job1","crc":"1a2b3c4d"}`: the
 * checksum covers every byte before `,"crc":"`, fed after the generation string.
 * @module
 */

import { CRC32C_INIT, crc32cFinish, crc32cUpdate } from "./crc32c.ts";

/** What the layer above hands to the journal: any JSON object with an `op`. */
export interface RecordBody {
  op: string;
  [field: string]: unknown;
}

/** `[first seq, number of records]` of a multi-record transaction. */
export type Transaction = [first: number, count: number];

/** A record as read back: the body plus its sequence number. */
export interface JournalRecord extends RecordBody {
  seq: number;
  /** On every record of a multi-record transaction: its first sequence number and its size. */
  txn?: Transaction;
}

/** Format version written in every header; a reader refuses any other. */
export const FORMAT_VERSION = 1;

const CRC_MARK = ',"crc":"';
/** `,"crc":"` + 8 hex digits + `"}` */
const CRC_SUFFIX_LENGTH = CRC_MARK.length + 8 + 2;

/** A generation id prepared for checksumming: the CRC register after feeding the id. */
export interface Salt {
  gen: string;
  register: number;
}

/**
 * Prepares the checksum salt of a generation.
 * @param gen The generation id from the journal header.
 * @returns The salt to pass to {@linkcode encodeRecord} and {@linkcode decodeRecordLine}.
 */
export function saltOf(gen: string): Salt {
  const register = crc32cUpdate(CRC32C_INIT, gen);
  if (register === undefined) throw new TypeError(`Generation "${gen}" is not printable ASCII`);
  return { gen, register };
}

/**
 * Serialises a value as JSON using printable ASCII only: other characters become `\uXXXX`
 * escapes, so a record's byte length equals its string length and no byte outside ASCII is valid.
 * @param value Any JSON-serialisable value.
 * @returns The JSON text.
 */
export function asciiJson(value: unknown): string {
  const json = JSON.stringify(value);
  // deno-lint-ignore no-control-regex
  if (!/[^\x00-\x7e]/.test(json)) return json;
  return json.replace(
    /[\u007f-\uffff]/g,
    (ch) => "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}

/**
 * Encodes one record as a journal line, newline included.
 * @param seq The record's sequence number (written first).
 * @param body The record's fields; must contain `op` and must not contain `seq` or `crc`.
 * @param salt The journal generation's salt.
 * @param txn On every record of a transaction of several records: its first sequence number and
 * its size. Replay applies them all or none, so a torn write never leaves half a transaction.
 * @returns The line, `"…\n"`.
 * @example
 * ```ts
 * const line = encodeRecord(1, { op: "config", key: "fsync", value: "none" }, saltOf("g1"));
 * ```
 */
export function encodeRecord(
  seq: number,
  body: RecordBody,
  salt: Salt,
  txn?: Transaction,
): string {
  const fields = asciiJson(body);
  const head = txn === undefined ? `{"seq":${seq}` : `{"seq":${seq},"txn":[${txn[0]},${txn[1]}]`;
  const prefix = fields.length > 2 ? `${head},${fields.slice(1, -1)}` : head;
  const register = crc32cUpdate(salt.register, prefix)!;
  const crc = crc32cFinish(register).toString(16).padStart(8, "0");
  return `${prefix}${CRC_MARK}${crc}"}\n`;
}

/** Outcome of decoding a line: the record, or why it is not one. */
export type DecodeResult<T = JournalRecord> =
  | { ok: true; record: T }
  | { ok: false; reason: string };

/** A checked line, not parsed: for readers that look at a few fields only (`status`). */
export interface RawRecord {
  seq: number;
  txn?: Transaction;
  /** The whole line, checksum included. */
  line: string;
}

const SEQ_PREFIX = '{"seq":';
const TXN_FIELD = ',"txn":[';

/**
 * Checks a line's checksum and reads its `seq` and `txn` without parsing the rest.
 * @param line The line's text, without its newline.
 * @param salt The journal generation's salt.
 * @returns The raw record, or the reason the line is invalid. Never throws.
 */
export function verifyRecordLine(line: string, salt: Salt): DecodeResult<RawRecord> {
  const length = line.length;
  if (length < CRC_SUFFIX_LENGTH + SEQ_PREFIX.length + 1) {
    return { ok: false, reason: "line too short" };
  }
  const markAt = length - CRC_SUFFIX_LENGTH;
  if (!line.startsWith(CRC_MARK, markAt) || !line.endsWith('"}')) {
    return { ok: false, reason: "no checksum at the end of the line" };
  }
  const register = crc32cUpdate(salt.register, line, 0, markAt);
  if (register === undefined) return { ok: false, reason: "bytes outside printable ASCII" };
  const stored = parseHex8(line, markAt + CRC_MARK.length);
  if (stored !== crc32cFinish(register)) return { ok: false, reason: "checksum mismatch" };
  if (!line.startsWith(SEQ_PREFIX)) return { ok: false, reason: "missing seq" };
  const seqEnd = digitsEnd(line, SEQ_PREFIX.length);
  const seq = Number(line.slice(SEQ_PREFIX.length, seqEnd));
  if (seqEnd === SEQ_PREFIX.length || !Number.isSafeInteger(seq)) {
    return { ok: false, reason: "missing seq" };
  }
  if (!line.startsWith(TXN_FIELD, seqEnd)) return { ok: true, record: { seq, line } };
  const firstStart = seqEnd + TXN_FIELD.length;
  const firstEnd = digitsEnd(line, firstStart);
  const countEnd = digitsEnd(line, firstEnd + 1);
  const first = Number(line.slice(firstStart, firstEnd));
  const count = Number(line.slice(firstEnd + 1, countEnd));
  if (
    firstEnd === firstStart || line.charCodeAt(firstEnd) !== 44 /* , */ ||
    line.charCodeAt(countEnd) !== 93 /* ] */ || !(count >= 2) || !(first <= seq) ||
    seq >= first + count
  ) {
    return { ok: false, reason: "bad txn" };
  }
  return { ok: true, record: { seq, txn: [first, count], line } };
}

function digitsEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  return i;
}

/**
 * Checks and parses one journal line (without its newline).
 * @param line The line's text.
 * @param salt The journal generation's salt.
 * @returns The record, or the reason it is invalid. Never throws.
 */
export function decodeRecordLine(line: string, salt: Salt): DecodeResult {
  const verified = verifyRecordLine(line, salt);
  if (!verified.ok) return verified;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { ok: false, reason: "not valid JSON" };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { ok: false, reason: "not a JSON object" };
  }
  const record = parsed as Record<string, unknown>;
  if (record.seq !== verified.record.seq || typeof record.op !== "string") {
    return { ok: false, reason: "missing seq or op" };
  }
  // `crc` stays on the object: deleting a property would make V8 slow down every access to it.
  return { ok: true, record: record as JournalRecord };
}

function parseHex8(text: string, start: number): number {
  let value = 0;
  for (let i = start; i < start + 8; i++) {
    const c = text.charCodeAt(i);
    let digit: number;
    if (c >= 48 && c <= 57) digit = c - 48;
    else if (c >= 97 && c <= 102) digit = c - 87;
    else return -1;
    value = value * 16 + digit;
  }
  return value;
}

/** The first line of every journal. */
export interface JournalHeader {
  /** Sequence number of the header; the first record after it has `seq + 1`. */
  seq: number;
  format: number;
  gen: string;
  created_at: string;
  /** Bytes of snapshot records written right after the header at compaction (0 if none). */
  snapshot_bytes: number;
}

/**
 * Encodes a journal header line, salted with its own generation.
 * @param header The header fields.
 * @returns The line, newline included.
 */
export function encodeHeader(header: JournalHeader): string {
  const { seq, ...rest } = header;
  return encodeRecord(seq, { op: "header", ...rest }, saltOf(header.gen));
}

/**
 * Checks and parses a header line.
 * @param line The first line of the journal, without its newline.
 * @returns The header, or the reason it is invalid.
 */
export function decodeHeaderLine(
  line: string,
): { ok: true; header: JournalHeader } | { ok: false; reason: string } {
  const genMatch = /"gen":"([0-9a-z]{1,64})"/.exec(line);
  if (!genMatch) return { ok: false, reason: "no generation id" };
  const decoded = decodeRecordLine(line, saltOf(genMatch[1]!));
  if (!decoded.ok) return decoded;
  const r = decoded.record;
  if (r.op !== "header") return { ok: false, reason: "first record is not a header" };
  if (r.format !== FORMAT_VERSION) {
    return { ok: false, reason: `unsupported format version ${JSON.stringify(r.format)}` };
  }
  if (r.gen !== genMatch[1]) return { ok: false, reason: "generation id mismatch" };
  return {
    ok: true,
    header: {
      seq: r.seq,
      format: r.format,
      gen: r.gen as string,
      created_at: String(r.created_at),
      snapshot_bytes: typeof r.snapshot_bytes === "number" ? r.snapshot_bytes : 0,
    },
  };
}

/**
 * A new random generation id: 16 lowercase hex characters.
 * @returns The id.
 */
export function newGeneration(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Incremental scanning of journal text: feeds valid records in sequence order to a callback and
 * classifies what follows the last valid record (nothing, an incomplete line, or a torn tail).
 * A multi-record transaction (its first record carries `txn`) is delivered whole or not at all.
 * A bad record followed by a valid one is mid-file corruption: refused, or reported for doctor.
 * @module
 */

import { CorruptJournalError } from "../errors.ts";
import {
  decodeHeaderLine,
  decodeRecordLine,
  type DecodeResult,
  type JournalRecord,
  type RawRecord,
  type Salt,
  saltOf,
  type Transaction,
  verifyRecordLine,
} from "./framing.ts";

/**
 * The error for a journal damaged in the middle: a bad record with valid records after it.
 * @param path The journal.
 * @param where e.g. `at line 12`.
 * @param reason What is wrong with the record.
 * @param line The line number, when known.
 * @returns The error, pointing at `doctor`.
 */
export function corruptionError(
  path: string,
  where: string,
  reason: string,
  line?: number,
): CorruptJournalError {
  return new CorruptJournalError(
    `Journal "${path}" is corrupt ${where} (${reason}) and valid records follow it; ` +
      `run "queuectl doctor" to inspect and "queuectl doctor --repair" to cut it there`,
    line,
  );
}

/**
 * The error for a journal whose line 1 is not a valid header.
 * @param path The journal.
 * @param reason What is wrong with it.
 * @returns The error.
 */
export function damagedHeaderError(path: string, reason: string): CorruptJournalError {
  return new CorruptJournalError(`Journal "${path}" has a damaged header at line 1 (${reason})`, 1);
}

/** Where scanning stands: the byte offset and line number after the last valid record. */
export interface ScanPosition {
  /** Byte offset just past the last valid record's newline. */
  offset: number;
  /** 1-based line number of the next line. */
  line: number;
  /** Sequence number the next record must carry. */
  nextSeq: number;
}

/** What follows the last valid record. */
export type ScanTail =
  | { kind: "clean" }
  | { kind: "partial"; offset: number; line: number }
  | { kind: "torn"; offset: number; line: number; reason: string };

/** The first line that is not a valid next record. */
export interface BadLine {
  /** 1-based line number of the bad line. */
  line: number;
  /** Where the valid prefix ends: the bad line, or the start of its unfinished transaction. */
  offset: number;
  reason: string;
}

/** `refuse`: throw on mid-file corruption (loading); `report`: keep going and collect (doctor). */
export type CorruptionMode = "refuse" | "report";

/** What the scanner needs of a record: its sequence number and transaction size. */
export interface Sequenced {
  seq: number;
  txn?: Transaction;
}

/**
 * Scans decoded journal text chunk by chunk. Valid records are ASCII, so characters before the
 * first bad line map one to one onto bytes and offsets stay exact. Records are parsed by
 * `decode`: whole JSON objects by default, or checked lines only (see `verifyRecordLine`).
 */
export class RecordScanner<T extends Sequenced = JournalRecord> {
  #path: string;
  #salt: Salt;
  #mode: CorruptionMode;
  #onRecord: (record: T) => void;
  #decode: (line: string, salt: Salt) => DecodeResult<T>;
  /** After the last complete record or transaction. */
  #committed: ScanPosition;
  /** After the last valid line, possibly inside an unfinished transaction. */
  #cursor: ScanPosition;
  #group: { first: number; records: T[]; remaining: number } | undefined;
  #carry = "";
  #bad: BadLine | undefined;
  #validAfterBad: T[] = [];

  /**
   * @param path The journal's path, for error messages.
   * @param salt The generation salt records must be checksummed with.
   * @param position Where the text fed first starts.
   * @param onRecord Called with each valid record, in order, until the first bad line.
   * @param mode Whether mid-file corruption throws or is only reported.
   * @param decode How a line becomes a record (default: checked and parsed as JSON).
   */
  constructor(
    path: string,
    salt: Salt,
    position: ScanPosition,
    onRecord: (record: T) => void,
    mode: CorruptionMode = "refuse",
    decode?: (line: string, salt: Salt) => DecodeResult<T>,
  ) {
    this.#path = path;
    this.#salt = salt;
    this.#committed = { ...position };
    this.#cursor = { ...position };
    this.#onRecord = onRecord;
    this.#mode = mode;
    this.#decode = decode ??
      (decodeRecordLine as unknown as (line: string, salt: Salt) => DecodeResult<T>);
  }

  /** The position just past the last complete record or transaction fed so far. */
  get position(): ScanPosition {
    return { ...this.#committed };
  }

  /** The first bad line, if any. */
  get bad(): BadLine | undefined {
    return this.#bad;
  }

  /** Valid records found after the first bad line (only collected in `report` mode). */
  get validAfterBad(): T[] {
    return this.#validAfterBad;
  }

  /**
   * Feeds the next piece of text.
   * @param text Decoded journal text continuing the previous piece.
   * @throws {CorruptJournalError} in `refuse` mode, when a bad record is followed by a valid one.
   */
  feed(text: string): void {
    const buffer = this.#carry.length > 0 ? this.#carry + text : text;
    let start = 0;
    for (;;) {
      const newline = buffer.indexOf("\n", start);
      if (newline < 0) break;
      this.#line(buffer.slice(start, newline));
      start = newline + 1;
    }
    this.#carry = start === 0 ? buffer : buffer.slice(start);
  }

  /**
   * Ends the scan and says what follows the last complete record or transaction.
   * @returns The tail's kind and, when not clean, where it starts.
   */
  finish(): ScanTail {
    if (this.#bad) return { kind: "torn", ...this.#bad };
    if (this.#carry.length > 0 || this.#group) {
      return { kind: "partial", offset: this.#committed.offset, line: this.#committed.line };
    }
    return { kind: "clean" };
  }

  #line(line: string): void {
    const decoded = this.#decode(line, this.#salt);
    if (this.#bad) {
      if (decoded.ok) this.#corruption(decoded.record);
      return;
    }
    const cursor = this.#cursor;
    if (!decoded.ok) return this.#setBad(decoded.reason);
    const record = decoded.record;
    if (record.seq !== cursor.nextSeq) {
      this.#setBad(`sequence number ${record.seq} where ${cursor.nextSeq} was expected`);
      return this.#corruption(record);
    }
    const txn = record.txn;
    const group = this.#group;
    const fits = txn === undefined
      ? group === undefined
      : txn[0] === record.seq
      ? group === undefined
      : group !== undefined && group.first === txn[0];
    if (!fits) {
      this.#setBad(group ? "a transaction is left unfinished" : "a transaction has no start");
      return this.#corruption(record);
    }
    cursor.offset += line.length + 1;
    cursor.line++;
    cursor.nextSeq++;
    if (this.#group) {
      this.#group.records.push(record);
      if (--this.#group.remaining > 0) return;
      const { records } = this.#group;
      this.#group = undefined;
      for (const r of records) this.#onRecord(r);
    } else if (txn !== undefined) {
      this.#group = { first: txn[0], records: [record], remaining: txn[1] - 1 };
      return;
    } else {
      this.#onRecord(record);
    }
    this.#committed = { ...cursor };
  }

  #setBad(reason: string): void {
    this.#bad = { line: this.#cursor.line, offset: this.#committed.offset, reason };
    this.#group = undefined;
  }

  #corruption(record: T): void {
    if (this.#mode === "report") {
      this.#validAfterBad.push(record);
      return;
    }
    const bad = this.#bad!;
    throw corruptionError(this.#path, `at line ${bad.line}`, bad.reason, bad.line);
  }
}

/**
 * Checks a journal's text from its first byte without parsing records: the header, then every
 * line (checksum, sequence, transactions) as a load checks it, damage in the middle refused. For
 * readers that need checked lines, not the state (`status`, an enqueue that appends blind).
 */
export class CheckedJournalText {
  #path: string;
  #onRecord: (record: RawRecord) => void;
  #maxHeader: number;
  #head = "";
  #salt: Salt | undefined;
  #scanner: RecordScanner<RawRecord> | undefined;

  /**
   * @param path The journal's path, for error messages.
   * @param onRecord Called with each valid record, whole transactions at a time.
   * @param maxHeaderBytes A first line longer than this is a damaged header.
   */
  constructor(path: string, onRecord: (record: RawRecord) => void, maxHeaderBytes = Infinity) {
    this.#path = path;
    this.#onRecord = onRecord;
    this.#maxHeader = maxHeaderBytes;
  }

  /**
   * Feeds the next piece of text, from the file's first byte on.
   * @throws {CorruptJournalError} for a damaged header, or damage in the middle.
   */
  feed(text: string): void {
    if (this.#scanner) return this.#scanner.feed(text);
    this.#head += text;
    const newline = this.#head.indexOf("\n");
    if (newline < 0) {
      if (this.#head.length > this.#maxHeader) {
        throw damagedHeaderError(this.#path, "no complete first line");
      }
      return;
    }
    const decoded = decodeHeaderLine(this.#head.slice(0, newline));
    if (!decoded.ok) throw damagedHeaderError(this.#path, decoded.reason);
    const { seq, gen } = decoded.header;
    this.#salt = saltOf(gen);
    this.#scanner = new RecordScanner<RawRecord>(
      this.#path,
      this.#salt,
      { offset: newline + 1, line: 2, nextSeq: seq + 1 },
      this.#onRecord,
      "refuse",
      verifyRecordLine,
    );
    const rest = this.#head.slice(newline + 1);
    this.#head = "";
    this.#scanner.feed(rest);
  }

  /** Text read before a complete first line, if no header was found yet. */
  get headText(): string {
    return this.#head;
  }

  /**
   * Ends the reading.
   * @returns What follows the last complete record, where that record ends, and the
   *   generation's salt; `undefined` when no complete first line was read.
   */
  finish(): { tail: ScanTail; position: ScanPosition; salt: Salt } | undefined {
    if (!this.#scanner) return undefined;
    const tail = this.#scanner.finish();
    return { tail, position: this.#scanner.position, salt: this.#salt! };
  }
}

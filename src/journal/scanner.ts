/**
 * Incremental scanning of journal text: feeds valid records in sequence order to a callback and
 * classifies what follows the last valid record (nothing, an incomplete line, or a torn tail).
 * A bad record followed by a valid one is mid-file corruption and is refused.
 * @module
 */

import { CorruptJournalError } from "../errors.ts";
import { decodeRecordLine, type JournalRecord, type Salt } from "./framing.ts";

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

/**
 * Scans decoded journal text chunk by chunk. Valid records are ASCII, so characters before the
 * first bad line map one to one onto bytes and offsets stay exact.
 */
export class RecordScanner {
  #salt: Salt;
  #position: ScanPosition;
  #onRecord: (record: JournalRecord) => void;
  #carry = "";
  #bad: { line: number; offset: number; reason: string } | undefined;
  #path: string;

  /**
   * @param path The journal's path, for error messages.
   * @param salt The generation salt records must be checksummed with.
   * @param position Where the text fed first starts.
   * @param onRecord Called with each valid record, in order, until the first bad line.
   */
  constructor(
    path: string,
    salt: Salt,
    position: ScanPosition,
    onRecord: (record: JournalRecord) => void,
  ) {
    this.#path = path;
    this.#salt = salt;
    this.#position = { ...position };
    this.#onRecord = onRecord;
  }

  /** The position just past the last valid record fed so far. */
  get position(): ScanPosition {
    return { ...this.#position };
  }

  /**
   * Feeds the next piece of text.
   * @param text Decoded journal text continuing the previous piece.
   * @throws {CorruptJournalError} when a bad record is followed by a valid one, or a valid record
   * carries an unexpected sequence number.
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
   * Ends the scan and says what follows the last valid record.
   * @returns The tail's kind and, when not clean, where it starts.
   */
  finish(): ScanTail {
    if (this.#bad) return { kind: "torn", ...this.#bad };
    if (this.#carry.length > 0) {
      return { kind: "partial", offset: this.#position.offset, line: this.#position.line };
    }
    return { kind: "clean" };
  }

  #line(line: string): void {
    const decoded = decodeRecordLine(line, this.#salt);
    if (this.#bad) {
      if (decoded.ok) this.#refuseCorruption(this.#bad.line, this.#bad.reason);
      return;
    }
    const position = this.#position;
    if (!decoded.ok) {
      this.#bad = { line: position.line, offset: position.offset, reason: decoded.reason };
      return;
    }
    if (decoded.record.seq !== position.nextSeq) {
      this.#refuseCorruption(
        position.line,
        `sequence number ${decoded.record.seq} where ${position.nextSeq} was expected`,
      );
    }
    this.#onRecord(decoded.record);
    position.offset += line.length + 1;
    position.line++;
    position.nextSeq++;
  }

  #refuseCorruption(line: number, reason: string): never {
    throw new CorruptJournalError(
      `Journal "${this.#path}" is corrupt at line ${line} (${reason}) and valid records follow it; ` +
        `run "queuectl doctor" to inspect and "queuectl doctor --repair" to cut it there`,
      line,
    );
  }
}

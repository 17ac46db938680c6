/**
 * Reading a compacted journal without replaying its snapshot: the records before the snapshot's
 * `summary` (settings, workers, counters), the summary itself, the records appended since the
 * snapshot, and, on demand, the snapshot's `job` lines of chosen jobs or its newest ones. What
 * `status` and `list --limit` need, at a cost that does not grow with the number of jobs kept.
 *
 * Nothing here is trusted that the full replay would refuse: every line used is checked (checksum,
 * sequence number), the summary is only used when the snapshot's last line is the job record it
 * announces, and any mismatch means `undefined`: the caller takes the full replay, which reports
 * damage as it always does.
 * @module
 */

import { readTextToEndSync } from "../journal/file_io.ts";
import {
  asciiJson,
  decodeHeaderLine,
  decodeRecordLine,
  type JournalRecord,
  type RawRecord,
  type Salt,
  saltOf,
  verifyRecordLine,
} from "../journal/framing.ts";
import { RecordScanner } from "../journal/scanner.ts";
import { JOB_STATES, type JobState } from "./job.ts";
import { type SnapshotJobRecord, SUMMARY_VERSION, type SummaryRecord } from "./snapshot.ts";

const FIRST_WINDOW = 64 * 1024;
const MAX_WINDOW = 1 << 20;
/** Up to this many jobs are looked up by searching for their ids; more, by reading each line. */
const SEARCHED_IDS = 8;

/** A checked `job` line of the snapshot. */
export interface SnapshotJobLine {
  seq: number;
  line: string;
}

/** The snapshot no longer matches what its summary says: read the whole journal instead. */
export class SnapshotMismatch extends Error {}

/** A compacted journal opened for reading: see the module doc. Close it when done. */
export class CompactedJournal {
  /** Checked lines of the snapshot before its summary (settings, workers, counters). */
  readonly prefix: RawRecord[];
  /** The summary of the snapshot's jobs, with its sequence number. */
  readonly summary: SummaryRecord & { seq: number };
  /** Checked lines appended since the snapshot (whole transactions; an unfinished one left). */
  readonly tail: RawRecord[];
  #file: Deno.FsFile;
  #salt: Salt;
  /** Byte offsets of the first job line and of the end of the snapshot. */
  #jobsStart: number;
  #jobsEnd: number;

  private constructor(
    file: Deno.FsFile,
    salt: Salt,
    prefix: RawRecord[],
    summary: SummaryRecord & { seq: number },
    jobsStart: number,
    jobsEnd: number,
    tail: RawRecord[],
  ) {
    this.#file = file;
    this.#salt = salt;
    this.prefix = prefix;
    this.summary = summary;
    this.#jobsStart = jobsStart;
    this.#jobsEnd = jobsEnd;
    this.tail = tail;
  }

  /**
   * Opens the journal at `path` if it starts with a snapshot that has a summary this code reads.
   * Requires `--allow-read`.
   * @param path The journal file.
   * @returns The opened journal, or `undefined` when the whole journal must be replayed (no
   *   snapshot, one written before summaries, or anything that does not match).
   * @throws {CorruptJournalError} for damage in the records after the snapshot, as a replay does.
   */
  static async open(path: string): Promise<CompactedJournal | undefined> {
    const file = await Deno.open(path, { read: true });
    try {
      const opened = await openOn(file, path);
      if (!opened) {
        file.close();
        return undefined;
      }
      const { salt, prefix, summary, jobsStart, jobsEnd, tail } = opened;
      return new CompactedJournal(file, salt, prefix, summary, jobsStart, jobsEnd, tail);
    } catch (error) {
      file.close();
      throw error;
    }
  }

  /** Number of snapshot jobs in `state` (any state if not given) of `queue` (any if not given). */
  count(state?: JobState, queue?: string): number {
    let n = 0;
    for (const [name, perQueue] of Object.entries(this.summary.counts)) {
      if (queue !== undefined && name !== queue) continue;
      for (const s of JOB_STATES) if (state === undefined || s === state) n += perQueue[s] ?? 0;
    }
    return n;
  }

  /**
   * The snapshot's job lines of the jobs among `ids` it holds, read in one pass over the jobs, a
   * window at a time: a few ids are searched for, more are looked up line by line.
   * @param ids Job ids.
   * @returns Each found job's checked line.
   * @throws {SnapshotMismatch} if the jobs are not what the summary announced.
   */
  async findJobs(ids: ReadonlySet<string>): Promise<Map<string, SnapshotJobLine>> {
    const found = new Map<string, SnapshotJobLine>();
    if (ids.size === 0 || this.summary.jobs === 0) return found;
    const wanted = new Set(ids);
    const search = ids.size <= SEARCHED_IDS;
    const first = this.summary.seq + 1;
    const last = this.summary.seq + this.summary.jobs;
    const take = (id: string, line: string) => {
      const checked = verifyRecordLine(line, this.#salt);
      const seq = checked.ok ? checked.record.seq : NaN;
      if (!checked.ok || !(seq >= first && seq <= last) || checked.record.txn !== undefined) {
        throw new SnapshotMismatch(`a job line of the snapshot does not check`);
      }
      found.set(id, { seq, line });
      wanted.delete(id);
    };
    let carry = "";
    let lines = 0;
    for (let offset = this.#jobsStart; offset < this.#jobsEnd && wanted.size > 0;) {
      const length = Math.min(MAX_WINDOW, this.#jobsEnd - offset);
      const bytes = await readAt(this.#file, offset, length);
      if (bytes.length < length) throw new SnapshotMismatch("the snapshot is cut short");
      offset += length;
      const chunk = carry + new TextDecoder().decode(bytes);
      const end = chunk.lastIndexOf("\n") + 1;
      carry = chunk.slice(end);
      if (search) {
        for (const id of [...wanted]) {
          const line = lineOf(chunk, end, id);
          if (line !== undefined) take(id, line);
        }
        continue;
      }
      for (let start = 0; start < end;) {
        const newline = chunk.indexOf("\n", start);
        // The first `"id":` of a job line is its own: only `seq`, `op` and `queue` come before.
        const at = chunk.indexOf('"id":"', start);
        if (at < 0 || at > newline) throw new SnapshotMismatch("a job line without an id");
        const id = stringAt(chunk, at + 5);
        if (wanted.has(id)) take(id, chunk.slice(start, newline));
        lines++;
        start = newline + 1;
      }
    }
    if (wanted.size === 0) return found;
    if (carry.length > 0) throw new SnapshotMismatch("the snapshot's last job line is unfinished");
    if (!search && lines !== this.summary.jobs) {
      throw new SnapshotMismatch("the snapshot holds another number of jobs than announced");
    }
    return found;
  }

  /**
   * The snapshot's job lines, newest (last written) first, each checked, read backwards in
   * windows: taking the first few costs a few reads, whatever the number of jobs.
   * @throws {SnapshotMismatch} if a line does not check or is not the one expected there.
   */
  async *newestJobs(): AsyncGenerator<SnapshotJobLine> {
    const first = this.summary.seq + 1;
    let seq = this.summary.seq + this.summary.jobs;
    let end = this.#jobsEnd;
    // Text between the window's first newline and `end`, still to be cut into lines.
    let carry = "";
    let window = FIRST_WINDOW;
    while (seq >= first) {
      const start = Math.max(this.#jobsStart, end - window);
      const text = new TextDecoder().decode(await readAt(this.#file, start, end - start)) + carry;
      window = Math.min(window * 4, MAX_WINDOW);
      end = start;
      // Every line here but the first is whole; the first only when the window reaches the start.
      let lineEnd = text.length - 1;
      if (text.charCodeAt(lineEnd) !== 10) throw new SnapshotMismatch("unfinished job line");
      for (;;) {
        const previous = text.lastIndexOf("\n", lineEnd - 1);
        if (previous < 0 && start > this.#jobsStart) {
          carry = text.slice(0, lineEnd + 1);
          break;
        }
        const line = text.slice(previous + 1, lineEnd);
        const checked = verifyRecordLine(line, this.#salt);
        if (!checked.ok || checked.record.seq !== seq || checked.record.txn !== undefined) {
          throw new SnapshotMismatch(`record ${seq} of the snapshot does not check`);
        }
        yield { seq, line };
        seq--;
        if (previous < 0) {
          if (seq >= first) throw new SnapshotMismatch("fewer job lines than announced");
          return;
        }
        lineEnd = previous;
        if (seq < first) throw new SnapshotMismatch("more job lines than announced");
      }
    }
  }

  /** Releases the file. */
  close(): void {
    this.#file.close();
  }
}

/**
 * Parses a snapshot job line checked by {@linkcode CompactedJournal}.
 * @param line The line.
 * @returns The record.
 */
export function parseJobLine(line: SnapshotJobLine): JournalRecord & SnapshotJobRecord {
  const record = JSON.parse(line.line);
  if (record?.op !== "job" || typeof record.id !== "string") {
    throw new SnapshotMismatch(`record ${line.seq} of the snapshot is not a job`);
  }
  return record;
}

/** What {@linkcode openOn} found. */
interface Opened {
  salt: Salt;
  prefix: RawRecord[];
  summary: SummaryRecord & { seq: number };
  jobsStart: number;
  jobsEnd: number;
  tail: RawRecord[];
}

async function openOn(file: Deno.FsFile, path: string): Promise<Opened | undefined> {
  const size = (await file.stat()).size;
  let headerEnd: number | undefined;
  let salt: Salt | undefined;
  let snapshotEnd = 0;
  let nextSeq = 0;
  let lineNumber = 1;
  const prefix: RawRecord[] = [];
  let summary: (SummaryRecord & { seq: number }) | undefined;
  let offset = 0; // bytes read so far
  let lineStart = 0; // byte offset of the first byte of `carry`
  let carry = "";
  let window = FIRST_WINDOW;
  while (summary === undefined) {
    const limit = headerEnd === undefined ? size : snapshotEnd;
    if (offset >= limit) return undefined;
    const bytes = await readAt(file, offset, Math.min(window, limit - offset));
    offset += bytes.length;
    window = Math.min(window * 4, MAX_WINDOW);
    const text = carry + new TextDecoder().decode(bytes);
    let start = 0;
    for (;;) {
      const newline = text.indexOf("\n", start);
      if (newline < 0) break;
      const line = text.slice(start, newline);
      start = newline + 1;
      const end = lineStart + start;
      if (headerEnd === undefined) {
        const decoded = decodeHeaderLine(line);
        if (!decoded.ok || decoded.header.snapshot_bytes <= 0) return undefined;
        headerEnd = end;
        salt = saltOf(decoded.header.gen);
        snapshotEnd = headerEnd + decoded.header.snapshot_bytes;
        if (snapshotEnd > size) return undefined;
        nextSeq = decoded.header.seq + 1;
        lineNumber = 2;
        continue;
      }
      if (end > snapshotEnd) return undefined;
      const decoded = decodeRecordLine(line, salt!);
      if (!decoded.ok || decoded.record.seq !== nextSeq || decoded.record.txn !== undefined) {
        return undefined;
      }
      nextSeq++;
      lineNumber++;
      const record = decoded.record;
      if (record.op === "job") return undefined; // a snapshot written before summaries
      if (record.op !== "summary") {
        prefix.push({ seq: record.seq, line });
        continue;
      }
      if (!isSummary(record)) return undefined;
      summary = record;
      lineStart += start;
      break;
    }
    if (summary === undefined) {
      lineStart += start;
      carry = text.slice(start);
    }
  }
  const jobsStart = lineStart;
  if (!(await lastJobMatches(file, salt!, summary, jobsStart, snapshotEnd))) return undefined;
  const tail: RawRecord[] = [];
  const scanner = new RecordScanner<RawRecord>(
    path,
    salt!,
    { offset: snapshotEnd, line: lineNumber + summary.jobs, nextSeq: nextSeq + summary.jobs },
    (record) => tail.push(record),
    "refuse",
    verifyRecordLine,
  );
  await file.seek(snapshotEnd, Deno.SeekMode.Start);
  readTextToEndSync(file, (text) => scanner.feed(text));
  scanner.finish();
  return { salt: salt!, prefix, summary, jobsStart, jobsEnd: snapshotEnd, tail };
}

function isSummary(record: JournalRecord): record is JournalRecord & SummaryRecord {
  if (record.v !== SUMMARY_VERSION) return false;
  const { jobs, counts } = record;
  if (!Number.isSafeInteger(jobs) || (jobs as number) < 0) return false;
  if (typeof counts !== "object" || counts === null || Array.isArray(counts)) return false;
  let total = 0;
  for (const perQueue of Object.values(counts)) {
    if (typeof perQueue !== "object" || perQueue === null) return false;
    for (const [state, n] of Object.entries(perQueue)) {
      if (!(JOB_STATES as readonly string[]).includes(state) || !Number.isSafeInteger(n)) {
        return false;
      }
      total += n as number;
    }
  }
  return total === jobs;
}

/**
 * Whether the snapshot ends where the summary says: its last line is the last job announced (or
 * the summary itself when there are none). Records written after a snapshot are never `job` or
 * `summary` records, so a journal cut inside its snapshot (a repair) and written to again fails.
 */
async function lastJobMatches(
  file: Deno.FsFile,
  salt: Salt,
  summary: SummaryRecord & { seq: number },
  jobsStart: number,
  snapshotEnd: number,
): Promise<boolean> {
  if (summary.jobs === 0) return jobsStart === snapshotEnd;
  for (let window = FIRST_WINDOW;; window *= 4) {
    const start = Math.max(jobsStart, snapshotEnd - window);
    const text = new TextDecoder().decode(await readAt(file, start, snapshotEnd - start));
    if (text.charCodeAt(text.length - 1) !== 10) return false;
    const previous = text.lastIndexOf("\n", text.length - 2);
    if (previous < 0 && start > jobsStart) continue;
    const decoded = decodeRecordLine(text.slice(previous + 1, -1), salt);
    return decoded.ok && decoded.record.op === "job" &&
      decoded.record.seq === summary.seq + summary.jobs && decoded.record.txn === undefined;
  }
}

/** The line in `text` (up to `end`) whose own id is `id`, if any. */
function lineOf(text: string, end: number, id: string): string | undefined {
  const needle = `"id":${asciiJson(id)},`;
  for (let at = text.indexOf(needle); at >= 0 && at < end; at = text.indexOf(needle, at + 1)) {
    const start = text.lastIndexOf("\n", at) + 1;
    // Its own id is the line's first `"id":` (one inside `env` comes later).
    if (text.indexOf('"id":"', start) === at) return text.slice(start, text.indexOf("\n", at));
  }
  return undefined;
}

/** The JSON string starting at `quote` (its opening quote), decoded. */
function stringAt(text: string, quote: number): string {
  let i = quote + 1;
  let escaped = false;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */) {
      escaped = true;
      i++;
    } else if (c === 34 /* " */) break;
  }
  return escaped ? JSON.parse(text.slice(quote, i + 1)) : text.slice(quote + 1, i);
}

/** `length` bytes of `file` from `offset` (fewer only at its end). */
async function readAt(file: Deno.FsFile, offset: number, length: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  await file.seek(offset, Deno.SeekMode.Start);
  let filled = 0;
  while (filled < length) {
    const n = await file.read(bytes.subarray(filled));
    if (n === null || n === 0) break;
    filled += n;
  }
  return bytes.subarray(0, filled);
}

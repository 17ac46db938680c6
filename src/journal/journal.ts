/**
 * The journal: an append-only JSONL file shared by every process of a queue home. Each process
 * keeps an in-memory state built by a reducer over the records, catches up from its last offset,
 * and appends under the home's lock. The journal knows nothing about what records mean.
 * @module
 */

import { join } from "../platform/paths.ts";
import { CorruptJournalError, FatalStorageError, QueueError } from "../errors.ts";
import { leftoverTempFiles, replaceJournalFile } from "./compaction.ts";
import { denoStorage } from "./deno_storage.ts";
import {
  decodeHeaderLine,
  encodeHeader,
  encodeRecord,
  FORMAT_VERSION,
  type JournalHeader,
  type JournalRecord,
  newGeneration,
  type RecordBody,
  type Salt,
  saltOf,
  type Transaction,
} from "./framing.ts";
import { Mutex } from "./mutex.ts";
import { LOCK_FILE, LockTimeoutError, lockTimeoutFromEnvironment } from "./queue_lock.ts";
import {
  CheckedJournalText,
  damagedHeaderError,
  RecordScanner,
  type ScanPosition,
} from "./scanner.ts";
import { locateTail } from "./tail.ts";
import type { JournalStorage, LockWait, StorageFile, StorageLock } from "./storage.ts";

/** File name of the journal inside a queue home. */
export const JOURNAL_FILE = "journal.jsonl";

/** When appends reach the disk: after each one, on a short timer, or when the OS decides. */
export type SyncPolicy = "always" | "batch" | "none";

/** Settings the journal reads from the state it holds (they live in the journal as records). */
export interface JournalSettings {
  fsync: SyncPolicy;
  /** Compaction runs when the journal exceeds max(this, 2 × the last snapshot). */
  compactMinBytes: number;
}

/** How the layer above gives records meaning. */
export interface Reducer<S> {
  /** A fresh, empty state. */
  init(): S;
  /** Applies one record to the state, in place. Must not throw on any record. */
  apply(state: S, record: JournalRecord): void;
  /**
   * The records that rebuild the retained part of `state`, for compaction (async, so that the code
   * making them may be loaded only when a compaction runs).
   */
  snapshot(state: S, nowMs: number): RecordBody[] | Promise<RecordBody[]>;
  /** About how many records a snapshot of `state` would hold (compaction pays off past 2×). */
  liveRecords(state: S): number;
  /** The journal settings stored in `state`. */
  settings(state: S): JournalSettings;
}

/** What a transaction decided: records to append (maybe none) and a value for the caller. */
export interface Decision<T> {
  records: RecordBody[];
  result: T;
}

/** A transaction waiting for its group commit. */
interface PendingTransaction<S> {
  decide: (state: S) => Decision<unknown> | Promise<Decision<unknown>>;
  after: (state: S, result: unknown) => unknown;
  durable: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Options of one transaction. */
export interface TransactOptions {
  /** `false` for records nobody waits on (heartbeats): never fsync'd on their own. */
  durable?: boolean;
}

/** Figures from one compaction. */
export interface CompactionReport {
  bytesBefore: number;
  bytesAfter: number;
  records: number;
}

/** Options to {@linkcode Journal.open}. */
export interface JournalOptions<S> {
  reducer: Reducer<S>;
  /** Clock for retention decisions at compaction; defaults to `Date.now`. */
  now?: () => number;
  /** The file system; the real one unless a test simulates crashes. */
  storage?: JournalStorage;
  /**
   * Below this size `appendBlind` replays the journal instead (as cheap, and checks it all);
   * tests set 0 to exercise the search from the end on small files.
   */
  blindAppendMinBytes?: number;
  /**
   * Where housekeeping problems go (a compaction that failed after a commit, which stands):
   * one line each. Default: `queuectl: warning: …` on stderr.
   */
  onWarning?: (message: string) => void;
  /**
   * How long to wait for the queue lock before failing with an error naming its holder.
   * Default: `QUEUECTL_LOCK_TIMEOUT` seconds, else 30 s; `Infinity` waits as long as it takes.
   */
  lockTimeoutMs?: number;
  /**
   * For long-lived processes (workers): past `lockTimeoutMs`, instead of failing, this is called
   * once per wait with who holds the lock, and the wait goes on.
   */
  onLockWait?: (message: string) => void;
  /**
   * Called after each compaction, still under the lock, with the state before and after: the
   * layer above deletes what belonged to records the snapshot dropped. Its errors are warnings.
   */
  afterCompaction?: (previous: S, next: S) => Promise<void> | void;
}

const BATCH_SYNC_MS = 50;
/** After an automatic compaction failed (a full disk), the next try waits this long. */
const COMPACT_RETRY_MS = 60_000;
/** At open, leftover temp files are removed if the lock comes this soon; else later. */
const TEMP_CLEANUP_WAIT_MS = 200;
const HEADER_PROBE_BYTES = 4096;
const BLIND_APPEND_MIN_BYTES = 256 * 1024;
const encoder = new TextEncoder();

/** One process's view of a queue home's journal. */
export class Journal<S> {
  /** The queue home directory. */
  readonly home: string;
  /** Absolute path of `journal.jsonl`. */
  readonly path: string;
  #reducer: Reducer<S>;
  #now: () => number;
  #blindAppendMinBytes: number;
  #warn: (message: string) => void;
  #lockTimeoutMs: number | undefined;
  #onLockWait: ((message: string) => void) | undefined;
  #lockWaitPolicy: LockWait | undefined;
  #afterCompaction: ((previous: S, next: S) => Promise<void> | void) | undefined;
  #compactRetryAt = 0;
  #storage: JournalStorage;
  #lock: StorageLock;
  #mutex = new Mutex();
  /** Transactions asked for and not yet written: the next group commit. */
  #pending: PendingTransaction<S>[] = [];
  #file: StorageFile | undefined;
  #ino: number | null = null;
  #header: JournalHeader | undefined;
  #salt: Salt | undefined;
  #position: ScanPosition = { offset: 0, line: 1, nextSeq: 1 };
  #state: S;
  #fatal: Error | undefined;
  #dirty = false;
  #syncTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  private constructor(
    home: string,
    storage: JournalStorage,
    lock: StorageLock,
    options: JournalOptions<S>,
  ) {
    this.home = home;
    this.path = join(home, JOURNAL_FILE);
    this.#storage = storage;
    this.#lock = lock;
    this.#reducer = options.reducer;
    this.#now = options.now ?? Date.now;
    this.#blindAppendMinBytes = options.blindAppendMinBytes ?? BLIND_APPEND_MIN_BYTES;
    this.#warn = options.onWarning ?? warnOnStderr;
    this.#lockTimeoutMs = options.lockTimeoutMs;
    this.#onLockWait = options.onLockWait;
    this.#afterCompaction = options.afterCompaction;
    this.#state = options.reducer.init();
  }

  /**
   * Opens the journal of a queue home, creating the home (0700) and the journal (0600, with a
   * fresh header, atomically) if needed. Temp files of a compaction killed midway are removed
   * if the lock can be had at once (a read-only command never waits for it). Requires
   * `--allow-read` and `--allow-write`, and `--allow-run` to name a lock holder that times out.
   * @param home Absolute path of the queue home.
   * @param options The reducer, clock, lock wait and warning sink.
   * @returns The journal; call {@linkcode Journal.close} when done.
   */
  static async open<S>(home: string, options: JournalOptions<S>): Promise<Journal<S>> {
    const storage = options.storage ?? denoStorage;
    const exists = (await storage.inode(join(home, JOURNAL_FILE))) !== undefined;
    if (!exists) await storage.ensureHome(home);
    const lock = await storage.openLock(join(home, LOCK_FILE));
    const journal = new Journal(home, storage, lock, options);
    try {
      if (!exists) await lock.withLock(() => journal.#createIfMissing(), journal.#lockWait());
      else await journal.#removeLeftoverTemps();
    } catch (error) {
      lock.release();
      throw error;
    }
    return journal;
  }

  /** The state as of the last catch-up. Read it right after `refresh` or `transact`. */
  get state(): S {
    return this.#state;
  }

  /** Sequence number of the last record applied. */
  get lastSeq(): number {
    return this.#position.nextSeq - 1;
  }

  /** Byte size of the valid journal content seen so far. */
  /**
   * Whether the journal file holds exactly what this process has read or written: same file,
   * same size. A change it made itself then needs no look. Requires `--allow-read`.
   */
  isUnchangedSinceSeen(): boolean {
    if (this.#ino === null) return false;
    try {
      const info = Deno.lstatSync(this.path);
      return info.ino === this.#ino && info.size === this.#position.offset;
    } catch {
      return false;
    }
  }

  get size(): number {
    return this.#position.offset;
  }

  /**
   * Catches up with records other processes appended, without taking the cross-process lock.
   * An incomplete last line is left alone: its writer may still be writing it.
   * @returns The fresh state.
   */
  refresh(): Promise<S> {
    return this.#mutex.run(async () => {
      this.#checkUsable();
      await this.#catchUp(false);
      return this.#state;
    });
  }

  /**
   * Runs one atomic read-decide-append step: takes the lock, catches up, repairs a torn tail, lets
   * `decide` choose records from the fresh state, appends them in one write, syncs per policy,
   * applies them, and compacts if the journal has grown past its threshold. A journal compacted
   * by another process is reloaded before the lock is taken, so the lock is held only to read
   * the few records appended since. Once the records are written the transaction stands: a
   * compaction that fails after it is a warning, never the transaction's error.
   * @param decide Decision over the fresh state; must not keep references past its return. It may
   *   be async (e.g. to probe whether a process is alive) but then holds the lock while it waits.
   * @param options `durable: false` to skip the fsync for this append.
   * @returns What `decide` returned as `result`.
   */
  transact<T>(
    decide: (state: S) => Decision<T> | Promise<Decision<T>>,
    options: TransactOptions = {},
  ): Promise<T> {
    return this.transactThen(decide, (_state, result) => result, options);
  }

  /**
   * {@linkcode Journal.transact}, then `after` reads the state right after this transaction's
   * records are applied (later transactions of the same group commit are not applied yet).
   * Transactions this process asks for while another is being written go together: one lock,
   * one catch-up, and one fsync for all of them (group commit); each is decided on the state
   * its predecessors left, in the order asked, and none is answered before that fsync.
   * @param decide Decision over the fresh state.
   * @param after Reads the result from the state its records made.
   * @param options `durable: false` to skip the fsync for this append.
   * @returns What `after` returned.
   */
  transactThen<T, R>(
    decide: (state: S) => Decision<T> | Promise<Decision<T>>,
    after: (state: S, result: T) => R,
    options: TransactOptions = {},
  ): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#pending.push({
        decide,
        after: after as (state: S, result: unknown) => unknown,
        durable: options.durable ?? true,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      // The first of a group schedules its commit; later ones join it until it starts.
      if (this.#pending.length === 1) this.#mutex.run(() => this.#commitPending());
    });
  }

  /** Writes every transaction asked for so far: one lock, one write each, one fsync. */
  async #commitPending(): Promise<void> {
    const group = this.#pending;
    this.#pending = [];
    const answers: [PendingTransaction<S>, unknown][] = [];
    try {
      this.#checkUsable();
      await this.#catchUpIfReplaced();
      await this.#lock.withLock(async () => {
        this.#checkUsable();
        await this.#catchUp(true);
        let sync = false;
        let wrote = false;
        for (const txn of group) {
          try {
            const decision = await txn.decide(this.#state);
            if (decision.records.length > 0) {
              sync = (await this.#append(decision.records, txn.durable)) || sync;
              wrote = true;
            }
            answers.push([txn, txn.after(this.#state, decision.result)]);
          } catch (error) {
            // A failed fsync or undo leaves nothing to trust: the whole group fails.
            if (this.#fatal) throw this.#fatal;
            txn.reject(error);
          }
        }
        if (sync) await this.#syncNow(true);
        if (wrote) await this.#compactIfDue();
      }, this.#lockWait());
    } catch (error) {
      for (const txn of group) txn.reject(error);
      return;
    }
    for (const [txn, answer] of answers) txn.resolve(answer);
  }

  /**
   * Appends records that need no decision on the state (new jobs with generated ids), without
   * replaying the journal: under the lock, the end of the valid content is found by reading
   * backwards from the end of the file, a torn tail is cut, and the records are written and
   * fsync'd (whatever the policy: the settings are in the state this skips). A process that has
   * loaded the state already takes the ordinary path.
   * @param bodies The records, written as one transaction.
   */
  appendBlind(bodies: RecordBody[]): Promise<void> {
    return this.appendBlindUnless(bodies, []).then(() => {});
  }

  /**
   * {@linkcode appendBlind}, only if no record of the journal holds any of `absent`: an enqueue
   * with ids of its own needs to know only that no record names them. The journal is read whole
   * and every line checked as a load checks it (damage anywhere is refused), but not parsed or
   * replayed, which costs a fresh process far less; a record holding a needle for another reason
   * only sends the caller to the ordinary path. A process that holds the state decides on the
   * state instead (`false` at once).
   * @param bodies The records, written as one transaction.
   * @param absent Texts no record may hold, e.g. `"id":"job1"` as records write it.
   * @returns Whether it appended; `false`: nothing was written.
   */
  appendBlindUnless(bodies: RecordBody[], absent: string[]): Promise<boolean> {
    if (bodies.length === 0) return Promise.resolve(true);
    return this.#mutex.run(async () => {
      this.#checkUsable();
      // With the state loaded, the caller decides on it instead.
      if (this.#header && absent.length > 0) return false;
      // A process that holds the state reads it under the lock: reload a compacted one first.
      if (this.#header) await this.#catchUpIfReplaced();
      return await this.#lock.withLock(async () => {
        this.#checkUsable();
        if (!this.#file || await this.#replaced()) await this.#reopen();
        if (this.#header) {
          await this.#catchUp(true);
          if (await this.#append(bodies, true)) await this.#syncNow(true);
          return true;
        }
        // A small journal, or one searched for `absent`, is read whole and checked; a big one's
        // end is found from the end (damage further back is for the next load or doctor).
        if (absent.length > 0 || await this.#file!.size() <= this.#blindAppendMinBytes) {
          const scan = await this.#scanAll(absent);
          if (scan === "empty") {
            // An empty or headerless file: the ordinary path creates or refuses it.
            if (absent.length > 0) return false;
            await this.#catchUp(true);
            if (await this.#append(bodies, true)) await this.#syncNow(true);
            return true;
          }
          if (scan.found) return false;
          await this.#appendAt(scan.end, scan.nextSeq, scan.salt, bodies);
          return true;
        }
        const head = new TextDecoder().decode(await this.#file!.readAt(0, HEADER_PROBE_BYTES));
        const newline = head.indexOf("\n");
        if (newline < 0) {
          await this.#catchUp(true);
          if (await this.#append(bodies, true)) await this.#syncNow(true);
          return true;
        }
        const decoded = decodeHeaderLine(head.slice(0, newline));
        if (!decoded.ok) this.#damagedHeader(decoded.reason);
        const salt = saltOf(decoded.header.gen);
        const tail = await locateTail(
          this.#file!,
          salt,
          newline + 1,
          decoded.header.seq,
          this.path,
        );
        if (tail.end < tail.size) await this.#file!.truncate(tail.end);
        await this.#appendAt(tail.end, tail.nextSeq, salt, bodies);
        return true;
      }, this.#lockWait());
    });
  }

  /**
   * Reads the whole journal under the lock, checking every line as a load does (mid-file damage
   * is refused; a torn tail is cut), without parsing records, and looks for `needles` in them.
   * @returns Where the next record goes and whether a needle was found; `"empty"` when there is
   *   no complete header line.
   */
  async #scanAll(
    needles: string[],
  ): Promise<"empty" | { found: boolean; end: number; nextSeq: number; salt: Salt }> {
    let found = false;
    const lines = new CheckedJournalText(this.path, (record) => {
      if (!found && needles.some((needle) => record.line.includes(needle))) found = true;
    }, HEADER_PROBE_BYTES);
    await this.#file!.readText(0, (text) => lines.feed(text));
    const end = lines.finish();
    if (!end) {
      if (lines.headText.length > 0) this.#damagedHeader("no complete first line");
      return "empty";
    }
    const { offset, nextSeq } = end.position;
    // Under the lock nobody is mid-write: bytes after the last valid record are a torn append.
    if (end.tail.kind !== "clean") await this.#file!.truncate(offset);
    return { found, end: offset, nextSeq, salt: end.salt };
  }

  /** Writes records at the end of the valid content (`end`, nothing after it), then fsyncs. */
  async #appendAt(end: number, nextSeq: number, salt: Salt, bodies: RecordBody[]): Promise<void> {
    let seq = nextSeq;
    const txn: Transaction | undefined = bodies.length > 1 ? [seq, bodies.length] : undefined;
    const text = bodies.map((body) => encodeRecord(seq++, body, salt, txn)).join("");
    try {
      await this.#file!.write(encoder.encode(text));
    } catch (error) {
      await this.#undoPartialAppend(end, error);
    }
    await this.#syncNow(true);
  }

  /**
   * Compacts now: rewrites the journal as a header plus a snapshot of the retained state.
   * @param options `seqFloor`: the new file's sequence numbers go on after at least this one.
   * @returns Sizes before and after.
   */
  compact(options: { seqFloor?: number } = {}): Promise<CompactionReport> {
    return this.#mutex.run(async () => {
      this.#checkUsable();
      await this.#catchUpIfReplaced();
      return await this.#lock.withLock(async () => {
        this.#checkUsable();
        await this.#catchUp(true);
        return await this.#compactLocked(options.seqFloor ?? 0);
      }, this.#lockWait());
    });
  }

  /** Flushes pending appends and releases the file handles. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#mutex.run(async () => {
      if (!this.#fatal) await this.#syncNow();
      this.#closed = true;
      if (this.#syncTimer !== undefined) clearTimeout(this.#syncTimer);
      this.#file?.close();
      this.#file = undefined;
      this.#lock.release();
    });
  }

  /** A header for a new file (fresh generation) whose first record will be `seq + 1`. */
  #newHeader(seq: number): JournalHeader {
    return {
      seq,
      format: FORMAT_VERSION,
      gen: newGeneration(),
      created_at: new Date(this.#now()).toISOString(),
      snapshot_bytes: 0,
    };
  }

  #checkUsable(): void {
    if (this.#fatal) throw this.#fatal;
    if (this.#closed) throw new QueueError("Journal used after close");
  }

  async #createIfMissing(): Promise<void> {
    if ((await this.#storage.inode(this.path)) !== undefined) return;
    const header = this.#newHeader(0);
    await replaceJournalFile(this.#storage, this.path, [encodeHeader(header)]);
  }

  #lockWait(): LockWait {
    this.#lockWaitPolicy ??= {
      timeoutMs: this.#lockTimeoutMs ?? lockTimeoutFromEnvironment(),
      onTimeout: this.#onLockWait ?? "fail",
    };
    return this.#lockWaitPolicy;
  }

  /** Removes temp files of an interrupted compaction, if the lock is free now. */
  async #removeLeftoverTemps(): Promise<void> {
    try {
      if ((await leftoverTempFiles(this.#storage, this.path)).length === 0) return;
      await this.#lock.withLock(async () => {
        for (const temp of await leftoverTempFiles(this.#storage, this.path)) {
          await this.#storage.remove(temp);
        }
      }, { timeoutMs: TEMP_CLEANUP_WAIT_MS, onTimeout: "skip" });
    } catch (error) {
      // Held: maybe a compaction writing its temp file right now. The next compaction removes
      // whatever is stale then.
      if (error instanceof LockTimeoutError) return;
      this.#warn(`Cannot remove leftover temp files of "${this.path}": ${reasonOf(error)}`);
    }
  }

  /** Catches up without the lock if another process replaced the journal (or none is loaded). */
  async #catchUpIfReplaced(): Promise<void> {
    if (this.#file && !(await this.#replaced())) return;
    // Reloading a big snapshot takes a while: not while every other process waits for the lock.
    // If it is replaced again before the lock is taken, the catch-up under the lock reloads.
    await this.#catchUp(false);
  }

  /**
   * Reads what was appended since the last catch-up. Any failure forgets the open file, so the
   * next catch-up reloads from scratch instead of applying a record twice; damage found past the
   * last offset is checked by such a reload first (the file may have been cut behind this
   * process's back and written again).
   */
  async #catchUp(underLock: boolean): Promise<void> {
    const incremental = this.#file !== undefined && this.#header !== undefined;
    try {
      await this.#readNew(underLock);
    } catch (error) {
      this.#forgetFile();
      if (!(incremental && error instanceof CorruptJournalError)) throw error;
      try {
        await this.#readNew(underLock);
      } catch (again) {
        this.#forgetFile();
        throw again;
      }
    }
  }

  #forgetFile(): void {
    this.#file?.close();
    this.#file = undefined;
    this.#ino = null;
  }

  async #readNew(underLock: boolean): Promise<void> {
    if (!this.#file || await this.#replaced()) await this.#reopen();
    const apply = (record: JournalRecord) => this.#reducer.apply(this.#state, record);
    let scanner = this.#header
      ? new RecordScanner(this.path, this.#salt!, this.#position, apply)
      : undefined;
    // A fresh handle reads from byte 0 in the same pass: line 1 is the header.
    let head = "";
    const start = this.#position.offset;
    const read = await this.#file!.readText(start, (text) => {
      if (scanner) return scanner.feed(text);
      head += text;
      const newline = head.indexOf("\n");
      if (newline < 0) {
        if (head.length > HEADER_PROBE_BYTES) this.#damagedHeader("no complete first line");
        return;
      }
      this.#acceptHeader(head.slice(0, newline));
      scanner = new RecordScanner(this.path, this.#salt!, this.#position, apply);
      scanner.feed(head.slice(newline + 1));
    });
    if (read === 0 && start > 0 && await this.#file!.size() < start) {
      // Same inode, shorter than what this process read: cut in place behind its back (an old
      // `doctor --repair`, a person). Appending here would reuse sequence numbers: reload.
      await this.#reopen();
      return await this.#readNew(underLock);
    }
    if (!scanner) {
      if (head.length > 0) this.#damagedHeader("no complete first line");
      if (underLock) await this.#writeFreshHeader();
      return;
    }
    const tail = (scanner as RecordScanner).finish();
    this.#position = (scanner as RecordScanner).position;
    if (tail.kind !== "clean" && underLock) {
      // Under the lock nobody is mid-write, so bytes after the last valid record are a torn
      // append from a crashed writer. Nothing after them validates (the scanner checked).
      await this.#file!.truncate(tail.offset);
    }
  }

  async #replaced(): Promise<boolean> {
    const ino = await this.#storage.inode(this.path);
    if (ino === undefined) throw new QueueError(`Journal "${this.path}" has disappeared`);
    return ino !== this.#ino;
  }

  async #reopen(): Promise<void> {
    this.#file?.close();
    this.#file = undefined;
    this.#file = await this.#storage.openAppend(this.path);
    if (!this.#file) throw new QueueError(`Journal "${this.path}" has disappeared`);
    this.#ino = this.#file.ino;
    this.#header = undefined;
    this.#salt = undefined;
    this.#state = this.#reducer.init();
    this.#position = { offset: 0, line: 1, nextSeq: 1 };
  }

  #acceptHeader(line: string): void {
    const decoded = decodeHeaderLine(line);
    if (!decoded.ok) this.#damagedHeader(decoded.reason);
    this.#setHeader(decoded.header, line.length + 1);
  }

  #damagedHeader(reason: string): never {
    throw damagedHeaderError(this.path, reason);
  }

  /** An empty journal file (created outside queuectl): give it a header, under the lock. */
  async #writeFreshHeader(): Promise<void> {
    const header = this.#newHeader(0);
    const line = encodeHeader(header);
    await this.#writeDurably(line);
    this.#setHeader(header, line.length);
  }

  #setHeader(header: JournalHeader, headerBytes: number): void {
    this.#header = header;
    this.#salt = saltOf(header.gen);
    this.#position = { offset: headerBytes, line: 2, nextSeq: header.seq + 1 };
  }

  /**
   * Writes records and applies them; a durable write under `fsync=always` is not synced here.
   * @returns Whether the caller must fsync before acknowledging it.
   */
  async #append(bodies: RecordBody[], durable: boolean): Promise<boolean> {
    const salt = this.#salt!;
    let seq = this.#position.nextSeq;
    // Several records are one transaction: each names its first record and size; replay takes
    // all or none.
    const txn: Transaction | undefined = bodies.length > 1 ? [seq, bodies.length] : undefined;
    const lines = bodies.map((body) => encodeRecord(seq++, body, salt, txn));
    const text = lines.length === 1 ? lines[0]! : lines.join("");
    const start = this.#position.offset;
    try {
      await this.#file!.write(encoder.encode(text));
    } catch (error) {
      await this.#undoPartialAppend(start, error);
    }
    const policy = this.#reducer.settings(this.#state).fsync;
    const mustSync = durable && policy === "always";
    if (!mustSync && policy !== "none") this.#scheduleSync();
    // Apply what was written. The bodies are plain JSON values, so they read back the same;
    // the power-loss and fuzz tests replay the bytes and compare.
    seq = this.#position.nextSeq;
    for (const body of bodies) {
      const record = { seq: seq++, ...(txn !== undefined ? { txn } : {}), ...body };
      this.#reducer.apply(this.#state, record as JournalRecord);
    }
    this.#position = {
      offset: start + text.length,
      line: this.#position.line + lines.length,
      nextSeq: seq,
    };
    return mustSync;
  }

  async #undoPartialAppend(start: number, cause: unknown): Promise<never> {
    try {
      await this.#file!.truncate(start);
    } catch {
      this.#fatal = new FatalStorageError(
        `Cannot undo a failed append to "${this.path}"; stopping`,
        { cause },
      );
      throw this.#fatal;
    }
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new QueueError(`Cannot append to journal "${this.path}": ${reason}`, { cause });
  }

  async #writeDurably(text: string): Promise<void> {
    await this.#file!.write(encoder.encode(text));
    await this.#syncNow(true);
  }

  #scheduleSync(): void {
    this.#dirty = true;
    if (this.#syncTimer !== undefined) return;
    this.#syncTimer = setTimeout(() => {
      this.#syncTimer = undefined;
      this.#mutex.run(() => this.#syncNow()).catch(() => {});
    }, BATCH_SYNC_MS);
  }

  async #syncNow(force = false): Promise<void> {
    if (!force && !this.#dirty) return;
    if (!this.#file) return;
    try {
      await this.#file.syncData();
      this.#dirty = false;
    } catch (cause) {
      // After a failed fsync the kernel may have dropped the dirty pages: never retry, stop.
      this.#fatal = new FatalStorageError(
        `Cannot fsync journal "${this.path}"; stopping to avoid acknowledging lost writes`,
        { cause },
      );
      throw this.#fatal;
    }
  }

  /** Housekeeping after a commit: compacts when due; a failure is a warning, never an error. */
  async #compactIfDue(): Promise<void> {
    try {
      await this.#maybeCompact();
    } catch (error) {
      this.#compactRetryAt = performance.now() + COMPACT_RETRY_MS;
      const later = this.#fatal ? "" : ", and compaction will be tried again later";
      this.#warn(
        `Compaction of "${this.path}" failed (${reasonOf(error)}); the change was saved${later}`,
      );
    }
  }

  async #maybeCompact(): Promise<void> {
    if (performance.now() < this.#compactRetryAt) return;
    const { compactMinBytes } = this.#reducer.settings(this.#state);
    const threshold = Math.max(compactMinBytes, 2 * (this.#header?.snapshot_bytes ?? 0));
    if (this.#position.offset <= threshold) return;
    // A journal of mostly live records (a big batch just enqueued) would not shrink.
    const records = this.#position.nextSeq - 1 - (this.#header?.seq ?? 0);
    if (records > 2 * this.#reducer.liveRecords(this.#state)) await this.#compactLocked();
  }

  async #compactLocked(seqFloor = 0): Promise<CompactionReport> {
    const bytesBefore = this.#position.offset;
    // A floor above the last seq (after a repair cut records away) keeps new sequence numbers,
    // which are leases, from repeating ones a running worker may still hold.
    const header = this.#newHeader(Math.max(this.#position.nextSeq - 1, seqFloor));
    const salt = saltOf(header.gen);
    const bodies = await this.#reducer.snapshot(this.#state, this.#now());
    let seq = header.seq + 1;
    const snapshot = bodies.map((body) => encodeRecord(seq++, body, salt)).join("");
    header.snapshot_bytes = snapshot.length;
    const headerLine = encodeHeader(header);
    // A failure before the rename leaves the journal as it was, and this state with it; one after
    // it is seen by the next catch-up as a new inode, whatever this process holds (but a failed
    // directory fsync is fatal: the rename may not survive a power loss).
    try {
      await replaceJournalFile(this.#storage, this.path, [headerLine, snapshot]);
    } catch (error) {
      if (error instanceof FatalStorageError) this.#fatal = error;
      throw error;
    }
    const previous = this.#state;
    try {
      // Rebuild the state from what was written, exactly as another process will.
      await this.#reopen();
      await this.#catchUp(true);
      if (this.#position.offset !== headerLine.length + snapshot.length) {
        throw new QueueError(`Compaction of "${this.path}" did not read back what it wrote`);
      }
    } catch (error) {
      // Keep the state the transaction was decided on, for its caller to read its result from;
      // without a file, the next catch-up reloads the new one from scratch.
      this.#forgetFile();
      this.#state = previous;
      throw error;
    }
    if (this.#afterCompaction) {
      try {
        await this.#afterCompaction(previous, this.#state);
      } catch (error) {
        this.#warn(`Clean-up after compacting "${this.path}" failed: ${reasonOf(error)}`);
      }
    }
    return { bytesBefore, bytesAfter: this.#position.offset, records: bodies.length };
  }
}

/** The default warning sink: one line on stderr, written at once (a process may exit next). */
function warnOnStderr(message: string): void {
  const bytes = encoder.encode(`queuectl: warning: ${message}\n`);
  try {
    for (let written = 0; written < bytes.length;) {
      written += Deno.stderr.writeSync(bytes.subarray(written));
    }
  } catch {
    // Nowhere left to say it.
  }
}

/** The first line of an error's message. */
function reasonOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
}

/**
 * {@linkcode JournalStorage} on the real file system, through Deno's APIs. It refuses a home
 * another user could write and never follows a symbolic link inside the home (see
 * `src/home/trust.ts`). Requires `--allow-read`, `--allow-write` and `--allow-sys=uid`.
 * @module
 */

import { UntrustedHomeError } from "../errors.ts";
import { checkHomeTrust, checkPrivateEntry, checkPrivateEntryNow } from "../home/trust.ts";
import { dirname } from "../platform/paths.ts";
import { settled } from "../platform/settled.ts";
import { type ReadBuffer, readTextToEndSync, syncDirectory, writeAllSync } from "./file_io.ts";
import { ensureHome } from "./home_dir.ts";
import { QueueLock } from "./queue_lock.ts";
import type { JournalStorage, StorageFile, StorageLock } from "./storage.ts";

/**
 * A journal file. Reads, writes, seeks and stats are sync calls: on a local file they take
 * microseconds, which the async forms turn into a hand-off to a thread and back (measured: a
 * third of a busy worker's CPU). Only the fsync, which waits for the disk, stays async.
 */
class DenoFile implements StorageFile {
  readonly ino: number;
  #file: Deno.FsFile;
  /** Where the OS file position is, when known: a catch-up then needs no seek. */
  #position: number | undefined = 0;
  #buffer: ReadBuffer = {};

  constructor(file: Deno.FsFile, ino: number) {
    this.#file = file;
    this.ino = ino;
  }

  readText(offset: number, onText: (text: string) => void): Promise<number> {
    return settled(() => {
      if (this.#position !== offset) this.#file.seekSync(offset, Deno.SeekMode.Start);
      this.#position = undefined;
      const total = readTextToEndSync(this.#file, onText, this.#buffer);
      this.#position = offset + total;
      return total;
    });
  }

  readAt(offset: number, length: number): Promise<Uint8Array> {
    return settled(() => {
      this.#position = undefined;
      this.#file.seekSync(offset, Deno.SeekMode.Start);
      const buffer = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const n = this.#file.readSync(buffer.subarray(filled));
        if (n === null || n === 0) break;
        filled += n;
      }
      return buffer.subarray(0, filled);
    });
  }

  size(): Promise<number> {
    return settled(() => this.#file.statSync().size);
  }

  write(bytes: Uint8Array): Promise<void> {
    // O_APPEND: the position ends at the end of the file, which may have grown meanwhile.
    this.#position = undefined;
    return settled(() => writeAllSync(this.#file, bytes));
  }

  truncate(length: number): Promise<void> {
    this.#position = undefined;
    return settled(() => this.#file.truncateSync(length));
  }

  syncData(): Promise<void> {
    return this.#file.syncData();
  }

  close(): void {
    this.#file.close();
  }
}

/**
 * The names in a directory. Sync: a queue home holds a handful of entries, and the async form
 * costs a thread hand-off per batch (every command lists the home as it opens the journal).
 */
function entryNames(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((entry) => entry.name);
}

/** Opening a journal that keeps being replaced (compacted) under us gives up after this many. */
const OPEN_TRIES = 3;

/** Opens the journal at `path` to read and append, if it is there and can be trusted. */
function openAppendNow(path: string): StorageFile | undefined {
  for (let tries = 1; tries <= OPEN_TRIES; tries++) {
    const seen = checkPrivateEntryNow(path, "file");
    if (seen === undefined) return undefined;
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(path, { read: true, append: true });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    // The check and the open are two steps; a compaction may rename a new journal in between.
    const opened = file.statSync();
    if (opened.ino === seen.ino && opened.dev === seen.dev) {
      return new DenoFile(file, opened.ino ?? 0);
    }
    file.close();
  }
  throw new UntrustedHomeError(`Queue file "${path}" keeps being replaced while it is opened`);
}

/** The real file system. */
export const denoStorage: JournalStorage = {
  ensureHome,
  async openLock(path: string): Promise<StorageLock> {
    // Every process opens the lock first (the journal is only read after it), so the home is
    // judged here on every open: a few stat calls.
    await checkHomeTrust(dirname(path));
    await checkPrivateEntry(path, "file");
    return QueueLock.open(path);
  },
  inode(path: string): Promise<number | undefined> {
    // lstat: a symbolic link at the path is refused here, before anything reads through it.
    return settled(() => {
      const info = checkPrivateEntryNow(path, "file");
      return info === undefined ? undefined : info.ino ?? 0;
    });
  },
  openAppend: (path) => settled(() => openAppendNow(path)),
  async createNew(path: string): Promise<StorageFile> {
    const file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
    return new DenoFile(file, (await file.stat()).ino ?? 0);
  },
  rename: (from, to) => Deno.rename(from, to),
  syncDirectory,
  async remove(path: string): Promise<void> {
    try {
      await Deno.remove(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  },
  list: (dir) => Promise.try(() => entryNames(dir)),
};

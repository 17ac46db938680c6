/**
 * The file system operations the journal uses, behind an interface: the real one on Deno, and a
 * simulated one in the tests that can produce every state a power loss could leave.
 * @module
 */

/** An open file. */
export interface StorageFile {
  /** Identity of the file (its inode), to notice when a path is replaced. */
  readonly ino: number;
  /**
   * Reads from `offset` to the current end, decoding UTF-8 in chunks.
   * @returns The number of bytes read.
   */
  readText(offset: number, onText: (text: string) => void): Promise<number>;
  /** Reads `length` bytes from `offset` (fewer at the end of the file). */
  readAt(offset: number, length: number): Promise<Uint8Array>;
  /** The file's current size in bytes. */
  size(): Promise<number>;
  /** Writes every byte at the end (append handles) or at the cursor (new files). */
  write(bytes: Uint8Array): Promise<void>;
  /** Cuts the file to `length` bytes. */
  truncate(length: number): Promise<void>;
  /** Flushes the file's data to stable storage (fdatasync). */
  syncData(): Promise<void>;
  close(): void;
}

/**
 * How long to wait for the lock and what to do past that: `"fail"` rejects with an error naming
 * the holder, `"skip"` rejects without looking it up (housekeeping that can wait for the next
 * time), and a function is told once who holds it while the wait goes on.
 */
export interface LockWait {
  /** Milliseconds; `Infinity` waits as long as it takes. */
  timeoutMs: number;
  onTimeout: "fail" | "skip" | ((message: string) => void);
}

/** The exclusive cross-process lock of a home. */
export interface StorageLock {
  /** Runs `section` holding the lock; `wait` bounds the wait (default: as long as it takes). */
  withLock<T>(section: () => Promise<T>, wait?: LockWait): Promise<T>;
  release(): void;
}

/**
 * Everything the journal asks of the file system. The real one refuses a home another user could
 * write and a symbolic link inside it (`UntrustedHomeError`, from `ensureHome`, `openLock`,
 * `inode` and `openAppend`); the simulated one of the tests does not judge.
 */
export interface JournalStorage {
  /** Creates the home directory (0700) if missing. */
  ensureHome(home: string): Promise<void>;
  /** Opens (creating 0600) the lock file. */
  openLock(path: string): Promise<StorageLock>;
  /** The inode at `path`, or `undefined` if nothing is there. */
  inode(path: string): Promise<number | undefined>;
  /** Opens an existing file to read and append; `undefined` if it does not exist. */
  openAppend(path: string): Promise<StorageFile | undefined>;
  /** Creates a new file (0600) that must not exist yet, for writing from its start. */
  createNew(path: string): Promise<StorageFile>;
  /** Atomically renames `from` over `to`. */
  rename(from: string, to: string): Promise<void>;
  /** Flushes a directory's entries (creations, renames) to stable storage. */
  syncDirectory(dir: string): Promise<void>;
  /** Removes a file; a missing file is not an error. */
  remove(path: string): Promise<void>;
  /** Names of the entries of a directory. */
  list(dir: string): Promise<string[]>;
}

/**
 * The cross-process lock of a queue home: an exclusive flock on `queue.lock`, which is never
 * renamed or deleted. A flock belongs to an open file handle, so each process keeps one handle per
 * home, shared by every journal it opens there and guarded by an in-process mutex.
 * @module
 */

import { Mutex } from "./mutex.ts";

/** File name of the lock target inside a queue home. */
export const LOCK_FILE = "queue.lock";

interface SharedLock {
  file: Deno.FsFile;
  mutex: Mutex;
  users: number;
}

const openLocks = new Map<string, SharedLock>();

/** A process's handle on a home's `queue.lock`. Release it with {@linkcode QueueLock.release}. */
export class QueueLock {
  #path: string;
  #shared: SharedLock | undefined;

  private constructor(path: string, shared: SharedLock) {
    this.#path = path;
    this.#shared = shared;
  }

  /**
   * Opens (creating with mode 0600 if needed) the lock file at `path`, or shares this process's
   * open handle on it. Requires `--allow-read` and `--allow-write`.
   * @param path Absolute path of `queue.lock`.
   * @returns The lock handle.
   */
  static async open(path: string): Promise<QueueLock> {
    let shared = openLocks.get(path);
    if (!shared) {
      const file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o600 });
      shared = openLocks.get(path);
      if (shared) file.close();
      else {
        shared = { file, mutex: new Mutex(), users: 0 };
        openLocks.set(path, shared);
      }
    }
    shared.users++;
    return new QueueLock(path, shared);
  }

  /**
   * Runs `section` holding the exclusive lock, first inside this process, then across processes.
   * Never call it from inside another section on the same home: that would wait forever.
   * @param section The critical section.
   * @returns What `section` returns.
   */
  withLock<T>(section: () => Promise<T>): Promise<T> {
    const shared = this.#live();
    return shared.mutex.run(async () => {
      await shared.file.lock(true);
      try {
        return await section();
      } finally {
        await shared.file.unlock();
      }
    });
  }

  /** Gives up this handle; the file closes when the process's last user releases it. */
  release(): void {
    const shared = this.#shared;
    if (!shared) return;
    this.#shared = undefined;
    shared.users--;
    if (shared.users === 0) {
      openLocks.delete(this.#path);
      shared.file.close();
    }
  }

  #live(): SharedLock {
    if (!this.#shared) throw new Error("Queue lock used after release");
    return this.#shared;
  }
}

/**
 * The cross-process lock of a queue home: an exclusive flock on `queue.lock`, which is never
 * renamed or deleted. A flock belongs to an open file handle, so each process keeps one handle per
 * home, shared by every journal it opens there and guarded by an in-process mutex.
 * @module
 */

import { QueueError, ValidationError } from "../errors.ts";
import { setLongTimeout } from "../platform/timers.ts";
import { setWaitTimeout } from "../platform/wait_timer.ts";
import type { LockHolder } from "./lock_holder.ts";
import { Mutex } from "./mutex.ts";
import type { LockWait } from "./storage.ts";

/** File name of the lock target inside a queue home. */
export const LOCK_FILE = "queue.lock";

/** How long a command waits for the lock unless `QUEUECTL_LOCK_TIMEOUT` says otherwise. */
export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

/** The environment variable that bounds the wait for the lock, in seconds (0: no bound). */
export const LOCK_TIMEOUT_ENV = "QUEUECTL_LOCK_TIMEOUT";

/** The wait for the queue lock ran out; the message names the holder and what to do. */
export class LockTimeoutError extends QueueError {}

/**
 * The bound on waiting for the lock: `QUEUECTL_LOCK_TIMEOUT` seconds if set (`0`: no bound),
 * else {@linkcode DEFAULT_LOCK_TIMEOUT_MS}. Requires `--allow-env=QUEUECTL_LOCK_TIMEOUT` (without
 * it, the default applies).
 * @returns Milliseconds, or `Infinity`.
 * @throws {ValidationError} if the variable is not a number of seconds.
 * @example
 * ```ts
 * Deno.env.set("QUEUECTL_LOCK_TIMEOUT", "1.5");
 * lockTimeoutFromEnvironment(); // 1500
 * ```
 */
export function lockTimeoutFromEnvironment(): number {
  let text: string | undefined;
  try {
    text = Deno.env.get(LOCK_TIMEOUT_ENV);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      return DEFAULT_LOCK_TIMEOUT_MS;
    }
    throw error;
  }
  if (text === undefined || text.trim() === "") return DEFAULT_LOCK_TIMEOUT_MS;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new ValidationError(`${LOCK_TIMEOUT_ENV} must be a number of seconds, not "${text}"`);
  }
  return seconds === 0 ? Infinity : seconds * 1000;
}

/**
 * Who holds the lock and what to do about it, for messages.
 * @param holder The holder, if it could be found.
 * @returns e.g. `pid 42 (stopped); resume it with "kill -CONT 42" or end it with "kill 42"`.
 */
export function describeLockHolder(holder: LockHolder | undefined): string {
  if (!holder) return "another process (not found in /proc/locks)";
  const { pid } = holder;
  return holder.stopped
    ? `pid ${pid} (stopped); resume it with "kill -CONT ${pid}" or end it with "kill ${pid}"`
    : `pid ${pid} (running); if it is stuck, end it with "kill ${pid}"`;
}

interface SharedLock {
  file: Deno.FsFile;
  mutex: Mutex;
  users: number;
  /** Sections of this process queued on the mutex or running (abandoned ones included). */
  sections: number;
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
  static open(path: string): QueueLock {
    let shared = openLocks.get(path);
    if (!shared) {
      // Sync: an open takes microseconds, and the async form costs a thread hand-off (a good part
      // of a millisecond in a fresh process such as `enqueue`).
      const file = Deno.openSync(path, { read: true, write: true, create: true, mode: 0o600 });
      shared = { file, mutex: new Mutex(), users: 0, sections: 0 };
      openLocks.set(path, shared);
    }
    shared.users++;
    return new QueueLock(path, shared);
  }

  /**
   * Runs `section` holding the exclusive lock, first inside this process, then across processes.
   * Never call it from inside another section on the same home: that would wait forever.
   *
   * `FsFile.lock` cannot give up, so a bounded wait races it against a timer. A wait given up on
   * keeps this process's turn until the lock comes and is released at once: nothing else here
   * uses the handle meanwhile, and the lock is never left held by nobody.
   *
   * The lock is mostly free, so a command's wait that starts alone is bounded by a timer that costs
   * nothing to arm (`setWaitTimeout`: the first `setTimeout` of a process costs a one-shot command
   * ~4 ms). That timer does not keep the process alive, but the pending flock does; a wait behind
   * another section of this process has no such operation, and a long-lived process (one told about
   * long waits: a worker) arms thousands, which `setTimeout` does more cheaply: both get an ordinary
   * timer.
   * @param section The critical section.
   * @param wait The bound on the wait (mutex and flock together); default: as long as it takes.
   * @returns What `section` returns.
   * @throws {LockTimeoutError} when the bound passes and `wait.onTimeout` is not a function.
   */
  withLock<T>(section: () => Promise<T>, wait?: LockWait): Promise<T> {
    const shared = this.#live();
    const alone = shared.sections === 0;
    shared.sections++;
    const run = <R>(body: () => Promise<R>): Promise<R> =>
      shared.mutex.run(body).finally(() => shared.sections--);
    if (!wait || !Number.isFinite(wait.timeoutMs)) {
      return run(() => holding(shared.file, section));
    }
    const { timeoutMs, onTimeout } = wait;
    const path = this.#path;
    return new Promise<T>((resolve, reject) => {
      let abandoned = false;
      const cheap = alone && typeof onTimeout !== "function";
      const timer = (cheap ? setWaitTimeout : setLongTimeout)(() => {
        if (typeof onTimeout === "function") {
          findLockHolder(path).then((holder) => {
            onTimeout(`Waiting for the queue lock "${path}" held by ${describeLockHolder(holder)}`);
          }).catch(() => {});
          return;
        }
        abandoned = true;
        const waited = `Timed out after ${timeoutMs / 1000}s waiting for the queue lock "${path}"`;
        if (onTimeout === "skip") return reject(new LockTimeoutError(waited));
        findLockHolder(path).catch(() => undefined).then((holder) => {
          reject(new LockTimeoutError(`${waited} held by ${describeLockHolder(holder)}`));
        });
      }, timeoutMs);
      run(async (): Promise<{ value: T } | undefined> => {
        if (abandoned) return undefined;
        await shared.file.lock(true);
        if (abandoned) {
          shared.file.unlockSync();
          return undefined;
        }
        timer.clear();
        return { value: await holding(shared.file, section, true) };
      }).then((done) => {
        if (done) resolve(done.value);
      }, (error) => {
        timer.clear();
        reject(error);
      });
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

/**
 * {@linkcode findLockHolder} of `lock_holder.ts`, loaded only when a wait runs out: a command
 * that gets the lock (nearly every one) never needs it.
 */
async function findLockHolder(path: string): Promise<LockHolder | undefined> {
  return await (await import("./lock_holder.ts")).findLockHolder(path);
}

/** Runs `section` under the flock (taken here unless `locked`) and always releases it. */
async function holding<T>(file: Deno.FsFile, section: () => Promise<T>, locked = false) {
  if (!locked) await file.lock(true);
  try {
    return await section();
  } finally {
    // Sync: an unlock never waits, and the async form costs a thread hand-off.
    file.unlockSync();
  }
}

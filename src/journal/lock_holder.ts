/**
 * Who holds a home's `queue.lock`, for a message that says what to do: the pid comes from
 * `/proc/locks` (matched by the lock file's device and inode), and `/proc/<pid>/stat` tells
 * whether that process is stopped (SIGSTOP, Ctrl-Z), which would block every writer forever.
 * @module
 */

import { readProcFile } from "../platform/proc_files.ts";

/** The process holding a lock. */
export interface LockHolder {
  pid: number;
  /** `true` when stopped by a signal or a tracer (state `T` or `t`): it will not let go. */
  stopped: boolean;
}

/**
 * Finds the process holding the flock on `path`. Requires `--allow-read` and `--allow-run` (the
 * `/proc` files are read through `cat`, see `readProcFile`).
 * @param path The lock file.
 * @returns The holder, or `undefined` when it cannot be told (no `/proc`, released meanwhile).
 * @example
 * ```ts
 * const holder = await findLockHolder("/home/ada/.local/share/queuectl/queue.lock");
 * if (holder?.stopped) console.log(`kill -CONT ${holder.pid}`);
 * ```
 */
export async function findLockHolder(path: string): Promise<LockHolder | undefined> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch {
    return undefined;
  }
  if (info.ino === null) return undefined;
  const locks = await readProcFile("/proc/locks");
  if (locks === undefined) return undefined;
  const pid = lockHolderPid(locks, info.ino, info.dev);
  if (pid === undefined) return undefined;
  const stat = await readProcFile(`/proc/${pid}/stat`);
  const state = stat === undefined ? undefined : processState(stat);
  return { pid, stopped: state === "T" || state === "t" };
}

/**
 * The pid holding a lock on the file with inode `ino`, read from the text of `/proc/locks`.
 * Lines of processes still waiting (`->`) are skipped: the waiter is often the caller itself.
 * @param locks The content of `/proc/locks`.
 * @param ino The lock file's inode.
 * @param dev The lock file's device (`st_dev`), to tell files of other file systems apart.
 * @returns The pid, or `undefined` if no line matches.
 * @example
 * ```ts
 * lockHolderPid("1: FLOCK  ADVISORY  WRITE 4242 fe:00:2146594 0 EOF\n", 2146594); // 4242
 * ```
 */
export function lockHolderPid(locks: string, ino: number, dev?: number): number | undefined {
  let sameInode: number | undefined;
  for (const line of locks.split("\n")) {
    const fields = line.trim().split(/\s+/);
    // "1: FLOCK  ADVISORY  WRITE 4242 fe:00:2146594 0 EOF"; a waiter has "->" after the id.
    if (fields.length < 6 || fields[1] === "->") continue;
    const pid = Number(fields[4]);
    const [major, minor, inode] = fields[5]!.split(":");
    if (!Number.isSafeInteger(pid) || pid <= 0 || Number(inode) !== ino) continue;
    if (dev === undefined || deviceOf(dev) === `${major}:${minor}`) return pid;
    // Stacked file systems may show another device than stat does: the inode alone will do.
    sameInode ??= pid;
  }
  return sameInode;
}

/** `st_dev` as `/proc/locks` prints it: major and minor in hex (glibc's `makedev` layout). */
function deviceOf(dev: number): string {
  const high = Math.floor(dev / 2 ** 32);
  const low = dev % 2 ** 32;
  const major = ((low >>> 8) & 0xfff) | ((high & 0xfffff000) >>> 0);
  const minor = ((low & 0xff) | (((low >>> 12) | ((high & 0xfff) << 20)) & ~0xff)) >>> 0;
  const hex = (n: number) => n.toString(16).padStart(2, "0");
  return `${hex(major)}:${hex(minor)}`;
}

/**
 * The state letter of a `/proc/<pid>/stat` line (`R`, `S`, `T`…): the field after the command
 * name, which is in parentheses and may itself hold spaces and parentheses.
 */
function processState(stat: string): string | undefined {
  const end = stat.lastIndexOf(")");
  return end < 0 ? undefined : stat.slice(end + 1).trim()[0];
}

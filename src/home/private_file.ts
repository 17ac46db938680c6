/**
 * Files queuectl writes inside a queue home besides the journal: each attempt's log and each
 * worker's log. Made so that nothing planted at their paths is ever written through.
 * @module
 */

import { UntrustedHomeError } from "../errors.ts";
import { dirname } from "../platform/paths.ts";
import { settled } from "../platform/settled.ts";
import { homeOfAttemptLog } from "./layout.ts";
import { ensurePrivateDir, ensurePrivateDirNow } from "./private_dir.ts";
import { checkPrivateEntry, segmentsBelow } from "./trust.ts";

/** Opening a file that keeps being replaced under us gives up after this many tries. */
const OPEN_TRIES = 3;

/**
 * Creates an empty file of the user's, mode 0600, at `path`: first makes sure the folders from the
 * home down to it are real directories of the user's (0700, see `ensurePrivateDir`), then removes
 * whatever is at `path` (a symbolic link is removed, not followed), then creates the file with
 * `createNew` (O_EXCL, which never follows a link). Requires `--allow-read`, `--allow-write` and
 * `--allow-sys=uid`.
 * @param path The file, inside the home.
 * @param home The queue home; by default the home of an attempt log `<home>/logs/<id>/<n>.log`.
 * @throws {UntrustedHomeError} when the home or a folder on the way cannot be trusted, or a
 *   directory is at `path`.
 * @example
 * ```ts
 * const log = attemptLogPath(home, "job1", 1);
 * await createPrivateFile(log, home); // then open it without `create`, or let `sh` write to it
 * ```
 */
export function createPrivateFile(path: string, home?: string): Promise<void> {
  // Sync calls: microseconds each, and a worker makes a log file for every job it starts.
  return settled(() => createPrivateFileNow(path, home ?? homeOfAttemptLog(path)));
}

function createPrivateFileNow(path: string, home: string): void {
  ensurePrivateDirNow(dirname(path), home);
  try {
    Deno.openSync(path, { write: true, createNew: true, mode: 0o600 }).close();
    return;
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  // Something is there (an earlier run's log, a planted link): remove it, never follow it.
  removeEntry(path);
  Deno.openSync(path, { write: true, createNew: true, mode: 0o600 }).close();
}

/**
 * Opens a file for appending, creating it (0600, with O_EXCL) if missing, and refuses a symbolic
 * link, another user's file or one other users can write. Inside `home`, the folders on the way
 * are made sure of as `ensurePrivateDir` does. Requires `--allow-read`, `--allow-write` and
 * `--allow-sys=uid`.
 * @param path The file.
 * @param home The queue home, when `path` may be inside it.
 * @returns The open file; close it when done.
 * @throws {UntrustedHomeError} when the file or a folder on the way cannot be trusted.
 * @example
 * ```ts
 * using log = await openPrivateAppend(workerLogPath(home, id), home);
 * ```
 */
export async function openPrivateAppend(path: string, home?: string): Promise<Deno.FsFile> {
  if (home !== undefined && isInside(home, path)) await ensurePrivateDir(dirname(path), home);
  for (let tries = 1;; tries++) {
    const seen = await checkPrivateEntry(path, "file");
    try {
      if (seen === undefined) {
        return await Deno.open(path, { append: true, createNew: true, mode: 0o600 });
      }
      const file = await Deno.open(path, { append: true });
      // The check and the open are two steps: make sure the file opened is the one judged.
      const opened = await file.stat();
      if (opened.ino === seen.ino && opened.dev === seen.dev) return file;
      file.close();
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists || error instanceof Deno.errors.NotFound)) {
        throw error;
      }
    }
    if (tries === OPEN_TRIES) {
      throw new UntrustedHomeError(`Queue file "${path}" keeps being replaced while it is opened`);
    }
  }
}

function removeEntry(path: string): void {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  if (info.isDirectory) throw new UntrustedHomeError(`Queue file "${path}" is a directory`);
  try {
    Deno.removeSync(path); // unlink: a symbolic link goes, its target stays
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

function isInside(home: string, path: string): boolean {
  try {
    return segmentsBelow(home, path).length > 0;
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

/**
 * Folders inside a queue home (`logs/`, `logs/<id>/`, `workers/`): real directories of the user's,
 * 0700, never symbolic links.
 * @module
 */

import { dirname, join } from "../platform/paths.ts";
import { settled } from "../platform/settled.ts";
import { checkHomeTrustNow, checkPrivateEntryNow, segmentsBelow } from "./trust.ts";

/**
 * Makes sure `dir` and every folder between the home and it are real directories owned by the
 * user and writable by nobody else, creating the missing ones with mode 0700 (whatever the
 * umask). A symbolic link on the way is refused, never followed. Requires `--allow-read`,
 * `--allow-write` and `--allow-sys=uid`.
 * @param dir The folder, inside the home.
 * @param home The queue home; by default the folder just above `dir`.
 * @throws {UntrustedHomeError} when the home or a folder on the way cannot be trusted.
 * @example
 * ```ts
 * await ensurePrivateDir("/home/ada/q/logs/job1", "/home/ada/q");
 * ```
 */
export function ensurePrivateDir(dir: string, home: string = dirname(dir)): Promise<void> {
  return settled(() => ensurePrivateDirNow(dir, home));
}

/**
 * {@linkcode ensurePrivateDir}, at once: its few calls take microseconds each, which the async
 * forms would turn into a thread hand-off each (a worker makes a folder for every job).
 */
export function ensurePrivateDirNow(dir: string, home: string = dirname(dir)): void {
  const segments = segmentsBelow(home, dir);
  checkHomeTrustNow(home);
  let current = home;
  for (const [index, segment] of segments.entries()) {
    current = join(current, segment);
    // The innermost folder is mostly new (a job's `logs/<id>`): make it first, judge it only if
    // something was there (a failed lstat costs more than the mkdir). The outer ones mostly exist.
    ensureOneDir(current, index === segments.length - 1);
  }
}

function ensureOneDir(path: string, mostlyNew: boolean): void {
  if (!mostlyNew && checkPrivateEntryNow(path, "directory") !== undefined) return;
  try {
    Deno.mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    // Another process made it meanwhile: judge what it made.
    if (checkPrivateEntryNow(path, "directory") !== undefined) return;
    throw error;
  }
  // The folder above is the user's alone, so what is at this path now is the folder just made.
  Deno.chmodSync(path, 0o700);
}

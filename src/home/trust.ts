/**
 * Whether a queue home and what is in it can be trusted, judged as ssh's StrictModes judges a
 * home: owned by the user running queuectl and writable by nobody else. Below the home nothing may
 * be a symbolic link: queuectl never follows one there. The home itself may be a link to a
 * directory of the user's; its target is what is judged.
 * @module
 */

import { UntrustedHomeError } from "../errors.ts";
import { join, normalize } from "../platform/paths.ts";
import { settled } from "../platform/settled.ts";

/** What an entry of a home must be. */
export type EntryKind = "file" | "directory";

/** Group- or other-writable: someone else could replace what is inside. */
const WRITABLE_BY_OTHERS = 0o022;
/** How deep doctor looks: `logs/<id>/<attempt>.log` is the deepest entry queuectl makes. */
const MAX_WALK_DEPTH = 2;

/**
 * Why the queue home cannot be used, if it cannot. Requires `--allow-read`, `--allow-sys=uid`.
 * @param home The queue home (it may be a symbolic link to a directory).
 * @returns One line saying why and how to fix it, or `undefined` when the home is fine.
 */
export function homeTrustProblem(home: string): Promise<string | undefined> {
  return settled(() => homeTrustProblemNow(home));
}

/** {@linkcode homeTrustProblem}, answered at once. */
function homeTrustProblemNow(home: string): string | undefined {
  const label = `Queue home "${home}"`;
  let info: Deno.FileInfo;
  try {
    // Sync: a stat takes microseconds, and a worker judges the home on every transaction and
    // every job; the async form costs a thread hand-off each time.
    info = Deno.statSync(home);
  } catch (error) {
    if (error instanceof Deno.errors.NotADirectory) {
      return `${label} is not a directory: a folder on its path is a file`;
    }
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    let dangling = false;
    try {
      dangling = Deno.lstatSync(home).isSymlink;
    } catch {
      // Nothing there at all.
    }
    return dangling ? `${label} is a symbolic link to nothing` : `${label} does not exist`;
  }
  if (!info.isDirectory) return `${label} is not a directory`;
  return ownershipProblem(label, home, info, 0o700, "use a home of your own");
}

/**
 * Refuses a queue home that another user could write or that is not the user's own directory.
 * Requires `--allow-read` and `--allow-sys=uid`.
 * @param home The queue home.
 * @throws {UntrustedHomeError} with the reason and the fix.
 * @example
 * ```ts
 * await checkHomeTrust("/home/ada/.local/share/queuectl");
 * ```
 */
export function checkHomeTrust(home: string): Promise<void> {
  return settled(() => checkHomeTrustNow(home));
}

/** {@linkcode checkHomeTrust}, at once. */
export function checkHomeTrustNow(home: string): void {
  const problem = homeTrustProblemNow(home);
  if (problem !== undefined) throw new UntrustedHomeError(problem);
}

/**
 * Why an entry of a home, as `Deno.lstat` saw it, cannot be used, if it cannot.
 * Requires `--allow-sys=uid`.
 * @param path The entry's path.
 * @param info Its `lstat`.
 * @param kind What it must be.
 * @returns One line saying why and how to fix it, or `undefined` when the entry is fine.
 */
export function entryProblem(
  path: string,
  info: Deno.FileInfo,
  kind: EntryKind,
): string | undefined {
  const label = `${kind === "directory" ? "Queue folder" : "Queue file"} "${path}"`;
  if (info.isSymlink) return `${label} is a symbolic link, which queuectl never follows; remove it`;
  if (kind === "directory" && !info.isDirectory) return `${label} is not a directory; remove it`;
  if (kind === "file" && !info.isFile) return `${label} is not a regular file; remove it`;
  return ownershipProblem(
    label,
    path,
    info,
    kind === "directory" ? 0o700 : 0o600,
    "check it, then remove it",
  );
}

/**
 * Refuses an entry of a home that is a symbolic link, the wrong kind of file, another user's, or
 * writable by other users. Never follows a link. Requires `--allow-read`, `--allow-sys=uid`.
 * @param path The entry's path; the folders above it must have been checked already.
 * @param kind What it must be.
 * @returns Its `lstat`, or `undefined` if nothing is there.
 * @throws {UntrustedHomeError} with the reason and the fix.
 */
export function checkPrivateEntry(
  path: string,
  kind: EntryKind,
): Promise<Deno.FileInfo | undefined> {
  return settled(() => checkPrivateEntryNow(path, kind));
}

/** {@linkcode checkPrivateEntry}, at once (an lstat takes microseconds). */
export function checkPrivateEntryNow(path: string, kind: EntryKind): Deno.FileInfo | undefined {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch (error) {
    // NotADirectory: a file where a folder of the path should be, so nothing is there either.
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw error;
  }
  const problem = entryProblem(path, info, kind);
  if (problem !== undefined) throw new UntrustedHomeError(problem);
  return info;
}

/**
 * Checks the home and every entry from it down to `path` (folders, then the file itself), without
 * following a link or creating anything. Requires `--allow-read` and `--allow-sys=uid`.
 * @param path A file inside the home, e.g. `logs/<id>/<attempt>.log`.
 * @param home The queue home.
 * @returns Whether the file exists.
 * @throws {UntrustedHomeError} at the first entry that cannot be trusted.
 */
export async function checkPrivatePath(path: string, home: string): Promise<boolean> {
  const segments = segmentsBelow(home, path);
  await checkHomeTrust(home);
  let current = home;
  for (const [index, segment] of segments.entries()) {
    current = join(current, segment);
    const kind = index === segments.length - 1 ? "file" : "directory";
    if (await checkPrivateEntry(current, kind) === undefined) return false;
  }
  return segments.length > 0;
}

/**
 * The names between `home` and `path`: `["logs", "j1", "1.log"]`.
 * @param home The queue home.
 * @param path A path inside it, or the home itself (no names).
 * @returns The names, outermost first.
 * @throws {RangeError} if `path` is not inside `home`.
 */
export function segmentsBelow(home: string, path: string): string[] {
  const top = normalize(home);
  const inner = normalize(path);
  if (inner === top) return [];
  const prefix = top.endsWith("/") ? top : `${top}/`;
  if (!inner.startsWith(prefix)) {
    throw new RangeError(`Path "${path}" is not inside the queue home "${home}"`);
  }
  return inner.slice(prefix.length).split("/");
}

/**
 * Every reason not to trust the home and what is in it (down to `logs/<id>/<attempt>.log`), for
 * `doctor`. Requires `--allow-read` and `--allow-sys=uid`.
 * @param home The queue home.
 * @param limit How many problems to list; past it, one line says how many more there are.
 * @returns One line per problem, sorted by path; empty when all is well.
 */
export async function findTrustProblems(home: string, limit = 20): Promise<string[]> {
  const problems: string[] = [];
  let unlisted = 0;
  const report = (problem: string) => {
    if (problems.length < limit) problems.push(problem);
    else unlisted++;
  };
  const homeProblem = await homeTrustProblem(home);
  if (homeProblem !== undefined) report(homeProblem);
  if (!(await Deno.stat(home).then((info) => info.isDirectory, () => false))) return problems;
  const visit = async (dir: string, depth: number): Promise<void> => {
    let names: string[];
    try {
      names = (await Array.fromAsync(Deno.readDir(dir))).map((entry) => entry.name).sort();
    } catch (error) {
      if (!(error instanceof Deno.errors.PermissionDenied)) throw error;
      return report(`Queue folder "${dir}" cannot be read; run "chmod 700 ${shellWord(dir)}"`);
    }
    for (const name of names) {
      const path = join(dir, name);
      const info = await Deno.lstat(path).catch((error) => {
        if (error instanceof Deno.errors.NotFound) return undefined; // removed meanwhile
        throw error;
      });
      if (info === undefined) continue;
      const problem = entryProblem(path, info, info.isDirectory ? "directory" : "file");
      if (problem !== undefined) report(problem);
      else if (info.isDirectory && depth < MAX_WALK_DEPTH) await visit(path, depth + 1);
    }
  };
  await visit(home, 0);
  if (unlisted > 0) problems.push(`${unlisted} more problem(s) of the same kinds, not listed`);
  return problems;
}

/** The user running queuectl: it does not change while a process runs. */
let ownUid: { uid: number | null } | undefined;

function ownershipProblem(
  label: string,
  path: string,
  info: Deno.FileInfo,
  privateMode: number,
  ownerFix: string,
): string | undefined {
  const uid = ownUid ??= { uid: Deno.uid() };
  // uid and mode are null where the OS has none (Windows): nothing to judge there.
  if (uid.uid !== null && info.uid !== null && info.uid !== uid.uid) {
    return `${label} is owned by another user (uid ${info.uid}, you are ${uid.uid}); ${ownerFix}`;
  }
  if (info.mode !== null && (info.mode & WRITABLE_BY_OTHERS) !== 0) {
    const mode = (info.mode & 0o7777).toString(8).padStart(4, "0");
    return `${label} is writable by other users (mode ${mode}); ` +
      `run "chmod ${privateMode.toString(8)} ${shellWord(path)}"`;
  }
  return undefined;
}

/** A path as one shell word, quoted only when it needs to be, for a command to copy and paste. */
function shellWord(path: string): string {
  return /^[A-Za-z0-9_./,:@%+=-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}

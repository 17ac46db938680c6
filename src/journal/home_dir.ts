/**
 * Creation of a queue home directory with owner-only permissions.
 * @module
 */

import { dirname } from "../platform/paths.ts";

/**
 * Makes sure `home` exists; a directory created here gets mode 0700 (whatever the umask), since
 * the journal holds commands and environment values. Requires `--allow-read` and `--allow-write`.
 * @param home Absolute path of the queue home.
 */
export async function ensureHome(home: string): Promise<void> {
  try {
    const info = await Deno.stat(home);
    if (!info.isDirectory) throw new Deno.errors.AlreadyExists(`"${home}" is not a directory`);
    return;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await Deno.mkdir(dirname(home), { recursive: true });
  try {
    await Deno.mkdir(home, { mode: 0o700 });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return;
    throw error;
  }
  await Deno.chmod(home, 0o700);
}

/**
 * Makes sure a directory inside a home exists with mode 0700.
 * @param dir Absolute path.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
}

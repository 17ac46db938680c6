/**
 * Creation of a queue home directory with owner-only permissions, and the check that it can be
 * trusted (see `src/home/trust.ts`).
 * @module
 */

import { checkHomeTrust } from "../home/trust.ts";
import { dirname } from "../platform/paths.ts";

export { ensurePrivateDir } from "../home/private_dir.ts";

/**
 * Makes sure `home` exists and can be trusted; a directory created here gets mode 0700 (whatever
 * the umask), since the journal holds commands and environment values. Requires `--allow-read`,
 * `--allow-write` and `--allow-sys=uid`.
 * @param home Absolute path of the queue home.
 * @throws {UntrustedHomeError} when the home is not a directory, not the user's, or writable by
 *   other users.
 */
export async function ensureHome(home: string): Promise<void> {
  try {
    await makeHome(home);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      await Deno.mkdir(dirname(home), { recursive: true }).catch(ignoreExisting);
      await makeHome(home).catch(ignoreExisting);
    } else ignoreExisting(error);
  }
  // Whatever was there before, or whatever made the mkdir fail, is judged here.
  await checkHomeTrust(home);
}

async function makeHome(home: string): Promise<void> {
  await Deno.mkdir(home, { mode: 0o700 });
  await Deno.chmod(home, 0o700);
}

/** Something is in the way (a file, a link): the trust check says what. */
function ignoreExisting(error: unknown): void {
  if (error instanceof Deno.errors.AlreadyExists || error instanceof Deno.errors.NotADirectory) {
    return;
  }
  throw error;
}

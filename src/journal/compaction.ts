/**
 * Atomic replacement of the journal file: write a temp file, fsync it, rename it over the
 * journal, fsync the directory. Used for compaction, for repair and for creating a new journal.
 * Running processes notice the new inode and reload; nobody ever sees half a file.
 * @module
 */

import { FatalStorageError } from "../errors.ts";
import { basename, dirname, join } from "../platform/paths.ts";
import type { JournalStorage } from "./storage.ts";

const TEMP_SUFFIX = ".tmp";

/**
 * Temp files a replacement of `path` left behind (`journal.jsonl.<random>.tmp`): a process killed
 * between creating one and renaming it. Only under the queue lock is one certainly stale.
 * @param storage The file system.
 * @param path The journal's path.
 * @returns Their absolute paths.
 */
export async function leftoverTempFiles(storage: JournalStorage, path: string): Promise<string[]> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  return (await storage.list(dir))
    .filter((name) => name.startsWith(prefix) && name.endsWith(TEMP_SUFFIX))
    .map((name) => join(dir, name));
}

/**
 * Replaces `path` with a file holding `parts`, in order, durably and atomically: a reader sees
 * either the old file or the whole new one. Must run under the queue lock. Leftover temp files of
 * an interrupted earlier replacement are removed first, and this one's on failure.
 * @throws {FatalStorageError} if the directory cannot be fsync'd after the rename.
 * @param storage The file system.
 * @param path The journal's path.
 * @param parts The new content (text must be ASCII, as journal lines are), e.g. header + records.
 */
export async function replaceJournalFile(
  storage: JournalStorage,
  path: string,
  parts: (string | Uint8Array)[],
): Promise<void> {
  for (const stale of await leftoverTempFiles(storage, path)) await storage.remove(stale);
  const temp = `${path}.${crypto.randomUUID().slice(0, 8)}${TEMP_SUFFIX}`;
  const file = await storage.createNew(temp);
  try {
    try {
      const encoder = new TextEncoder();
      for (const part of parts) {
        if (part.length === 0) continue;
        await file.write(typeof part === "string" ? encoder.encode(part) : part);
      }
      await file.syncData();
    } finally {
      file.close();
    }
    await storage.rename(temp, path);
  } catch (error) {
    await storage.remove(temp).catch(() => {});
    throw error;
  }
  try {
    await storage.syncDirectory(dirname(path));
  } catch (cause) {
    // Readers already see the new file, but a power loss may bring the old one back, and with it
    // lose whatever is appended to the new one: like a failed fsync, this stops the writer.
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new FatalStorageError(
      `Cannot fsync the directory of "${path}" after replacing it (${reason}); stopping to ` +
        `avoid acknowledging writes a power loss could undo`,
      { cause },
    );
  }
}

/**
 * Atomic replacement of the journal file: write a temp file, fsync it, rename it over the
 * journal, fsync the directory. Used for compaction and for creating a new journal.
 * @module
 */

import { FatalStorageError } from "../errors.ts";
import { basename, dirname, join } from "../platform/paths.ts";
import type { JournalStorage } from "./storage.ts";

const TEMP_SUFFIX = ".tmp";

/**
 * Replaces `path` with a file holding `headerLine` + `snapshot`, durably and atomically: a reader
 * sees either the old file or the whole new one. Must run under the queue lock. Leftover temp files
 * of an interrupted earlier replacement are removed, and this one's on failure.
 * @param storage The file system.
 * @param path The journal's path.
 * @param headerLine The encoded header line.
 * @param snapshot The encoded snapshot records.
 * @throws {FatalStorageError} if the directory cannot be fsync'd after the rename.
 */
export async function writeSnapshotFile(
  storage: JournalStorage,
  path: string,
  headerLine: string,
  snapshot: string,
): Promise<void> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.`;
  for (const name of await storage.list(dir)) {
    if (name.startsWith(prefix) && name.endsWith(TEMP_SUFFIX)) {
      await storage.remove(join(dir, name));
    }
  }
  const temp = `${path}.${crypto.randomUUID().slice(0, 8)}${TEMP_SUFFIX}`;
  const file = await storage.createNew(temp);
  try {
    try {
      const encoder = new TextEncoder();
      await file.write(encoder.encode(headerLine));
      if (snapshot.length > 0) await file.write(encoder.encode(snapshot));
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
    await storage.syncDirectory(dir);
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

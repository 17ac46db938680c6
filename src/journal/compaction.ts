/**
 * Atomic replacement of the journal file: write a temp file, fsync it, rename it over the
 * journal, fsync the directory. Used for compaction and for creating a new journal.
 * @module
 */

import { basename, join } from "node:path";
import { syncDirectory, writeAll } from "./file_io.ts";

const TEMP_SUFFIX = ".tmp";

/**
 * Replaces `path` with a file holding `headerLine` + `snapshot`, durably and atomically: a reader
 * sees either the old file or the whole new one. Must run under the queue lock. Leftover temp files
 * of an interrupted earlier replacement are removed. Requires `--allow-read` and `--allow-write`.
 * @param home The directory holding `path`.
 * @param path The journal's path.
 * @param headerLine The encoded header line.
 * @param snapshot The encoded snapshot records.
 */
export async function writeSnapshotFile(
  home: string,
  path: string,
  headerLine: string,
  snapshot: string,
): Promise<void> {
  await removeStaleTempFiles(home, basename(path));
  const temp = `${path}.${crypto.randomUUID().slice(0, 8)}${TEMP_SUFFIX}`;
  const file = await Deno.open(temp, { write: true, createNew: true, mode: 0o600 });
  try {
    const encoder = new TextEncoder();
    await writeAll(file, encoder.encode(headerLine));
    if (snapshot.length > 0) await writeAll(file, encoder.encode(snapshot));
    await file.syncData();
  } catch (error) {
    file.close();
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
  file.close();
  await Deno.rename(temp, path);
  await syncDirectory(home);
}

async function removeStaleTempFiles(home: string, journalName: string): Promise<void> {
  for await (const entry of Deno.readDir(home)) {
    if (
      entry.isFile && entry.name.startsWith(`${journalName}.`) && entry.name.endsWith(TEMP_SUFFIX)
    ) {
      await Deno.remove(join(home, entry.name)).catch(() => {});
    }
  }
}

/**
 * `doctor --repair`: cut a journal at its first bad record, under the queue lock, keeping a backup
 * of the whole file first when valid records would be dropped. The cut journal replaces the old
 * one as a new file (temp file, fsync, rename, directory fsync), never by truncation in place: a
 * running process then sees a new inode and reloads, instead of appending at its old offset with
 * sequence numbers the cut made stale.
 * @module
 */

import { join } from "../platform/paths.ts";
import { replaceJournalFile } from "./compaction.ts";
import { denoStorage } from "./deno_storage.ts";
import { inspectJournal, type JournalInspection } from "./inspect.ts";
import { JOURNAL_FILE } from "./journal.ts";
import { LOCK_FILE, lockTimeoutFromEnvironment, QueueLock } from "./queue_lock.ts";

/** What a repair did. */
export interface RepairReport {
  inspection: JournalInspection;
  /** `true` if the file was cut. */
  repaired: boolean;
  /** Where the untouched copy went, if one was made. */
  backup: string | undefined;
  /** Bytes removed from the end. */
  bytesCut: number;
}

/**
 * Repairs the journal of `home` if it has a bad record: a torn tail is cut off; mid-file
 * corruption is first copied to `journal.jsonl.bak-<time>`, then cut at the first bad record.
 * The valid prefix goes to a new file that replaces the journal atomically. A damaged header
 * cannot be repaired. Requires `--allow-read` and `--allow-write`, and `--allow-run` to name the
 * holder of the lock if it cannot be had within `QUEUECTL_LOCK_TIMEOUT`.
 * @param home The queue home.
 * @param nowMs Time for the backup's name.
 * @returns What was found and done.
 * @example
 * ```ts
 * const report = await repairJournal("/home/ada/.local/share/queuectl");
 * if (report.backup) console.log(`kept ${report.backup}`);
 * ```
 */
export async function repairJournal(home: string, nowMs = Date.now()): Promise<RepairReport> {
  const lock = QueueLock.open(join(home, LOCK_FILE));
  try {
    return await lock.withLock(async () => {
      const path = join(home, JOURNAL_FILE);
      const inspection = await inspectJournal(path);
      const report: RepairReport = { inspection, repaired: false, backup: undefined, bytesCut: 0 };
      if (!inspection.header || !inspection.firstBad) return report;
      const cut = inspection.firstBad.offset;
      if (inspection.validAfterBad.length > 0) {
        const stamp = new Date(nowMs).toISOString().replace(/[:.]/g, "-");
        report.backup = `${path}.bak-${stamp}`;
        await Deno.copyFile(path, report.backup);
        await Deno.chmod(report.backup, 0o600);
      }
      const prefix = await readPrefix(path, cut);
      await replaceJournalFile(denoStorage, path, [prefix]);
      report.repaired = true;
      report.bytesCut = inspection.bytes - cut;
      return report;
    }, { timeoutMs: lockTimeoutFromEnvironment(), onTimeout: "fail" });
  } finally {
    lock.release();
  }
}

/** The first `length` bytes of a file. */
async function readPrefix(path: string, length: number): Promise<Uint8Array> {
  const file = await Deno.open(path, { read: true });
  try {
    const bytes = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const n = await file.read(bytes.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    return bytes.subarray(0, filled);
  } finally {
    file.close();
  }
}

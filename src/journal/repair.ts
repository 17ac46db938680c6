/**
 * `doctor --repair`: cut a journal at its first bad record, under the queue lock, keeping a backup
 * of the whole file first when valid records would be dropped.
 * @module
 */

import { join } from "../platform/paths.ts";
import { syncDirectory } from "./file_io.ts";
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
 * Repairs the journal of `home` if it has a bad record: a torn tail is truncated; mid-file
 * corruption is first copied to `journal.jsonl.bak-<time>`, then cut at the first bad record.
 * A damaged header cannot be repaired. Requires `--allow-read` and `--allow-write`, and
 * `--allow-run` to name the holder of the lock if it cannot be had within `QUEUECTL_LOCK_TIMEOUT`.
 * @param home The queue home.
 * @param nowMs Time for the backup's name.
 * @returns What was found and done.
 */
export async function repairJournal(home: string, nowMs = Date.now()): Promise<RepairReport> {
  const lock = await QueueLock.open(join(home, LOCK_FILE));
  try {
    return await lock.withLock(async () => {
      const path = join(home, JOURNAL_FILE);
      const inspection = await inspectJournal(path);
      const report: RepairReport = { inspection, repaired: false, backup: undefined, bytesCut: 0 };
      if (!inspection.header || !inspection.firstBad) return report;
      if (inspection.validAfterBad.length > 0) {
        const stamp = new Date(nowMs).toISOString().replace(/[:.]/g, "-");
        report.backup = `${path}.bak-${stamp}`;
        await Deno.copyFile(path, report.backup);
        await Deno.chmod(report.backup, 0o600);
      }
      const file = await Deno.open(path, { write: true });
      try {
        await file.truncate(inspection.firstBad.offset);
        await file.syncData();
      } finally {
        file.close();
      }
      await syncDirectory(home);
      report.repaired = true;
      report.bytesCut = inspection.bytes - inspection.firstBad.offset;
      return report;
    }, { timeoutMs: lockTimeoutFromEnvironment(), onTimeout: "fail" });
  } finally {
    lock.release();
  }
}

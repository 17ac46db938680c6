/**
 * The checks behind `queuectl doctor`: that the home can be trusted, the journal end to end, the
 * state it replays to, and the storage under the home. Also the repair.
 * @module
 */

import { join } from "../platform/paths.ts";
import { CorruptJournalError } from "../errors.ts";
import { findTrustProblems } from "../home/trust.ts";
import {
  fileSystemType,
  fileSystemWarning,
  fsyncLatencyMicros,
  inspectJournal,
  JOURNAL_FILE,
  type JournalInspection,
  repairJournal,
  SUSPICIOUS_FSYNC_MICROS,
} from "../journal/mod.ts";
import { JournalQueueStore } from "./journal_store.ts";
import type { JobCounts } from "./store.ts";

/** Everything doctor found. */
export interface DoctorReport {
  journal: string;
  bytes: number;
  records: number;
  last_seq: number;
  generation: string | null;
  /**
   * Whether the home and everything in it is the user's alone. When not, `problems` lists why
   * and nothing else was looked at: the journal is not read through what another user controls.
   */
  trusted: boolean;
  /** Problems that make the journal unusable or lose data. */
  problems: string[];
  /** Things worth knowing that do not stop the queue. */
  warnings: string[];
  /** Ids of jobs touched by valid records after a bad one: a cut there loses those changes. */
  jobs_at_risk: string[];
  /** Valid records a cut at the first bad record would drop. */
  records_at_risk: number;
  jobs: JobCounts | null;
  filesystem: string | null;
  fsync_micros: number | null;
}

/**
 * Checks a queue home's trust, journal and storage without changing anything.
 * Requires `--allow-read`, `--allow-write` (for the fsync probe) and `--allow-sys=uid`.
 * @param home The queue home.
 * @returns The findings.
 */
export async function diagnoseHome(home: string): Promise<DoctorReport> {
  const path = join(home, JOURNAL_FILE);
  const trustProblems = await findTrustProblems(home);
  if (trustProblems.length > 0) return untrustedReport(path, trustProblems);
  const inspection = await inspectJournal(path);
  const report: DoctorReport = {
    journal: path,
    bytes: inspection.bytes,
    records: inspection.records,
    last_seq: inspection.lastSeq,
    generation: inspection.header?.gen ?? null,
    trusted: true,
    problems: describeProblems(inspection),
    warnings: [],
    jobs_at_risk: jobsTouched(inspection),
    records_at_risk: inspection.validAfterBad.length,
    jobs: null,
    filesystem: null,
    fsync_micros: null,
  };
  if (report.problems.length === 0) {
    report.jobs = await replayCounts(home, report);
  }
  const fs = await fileSystemType(home);
  report.filesystem = fs ?? null;
  const fsWarning = fileSystemWarning(fs);
  if (fsWarning) report.warnings.push(fsWarning);
  report.fsync_micros = Math.round(await fsyncLatencyMicros(home));
  if (report.fsync_micros < SUSPICIOUS_FSYNC_MICROS && fs !== "tmpfs") {
    report.warnings.push(
      `fsync returns in ${report.fsync_micros} µs: the disk may not be flushing (volatile write cache?)`,
    );
  }
  return report;
}

function untrustedReport(journal: string, problems: string[]): DoctorReport {
  return {
    journal,
    bytes: 0,
    records: 0,
    last_seq: 0,
    generation: null,
    trusted: false,
    problems,
    warnings: [],
    jobs_at_risk: [],
    records_at_risk: 0,
    jobs: null,
    filesystem: null,
    fsync_micros: null,
  };
}

function describeProblems(inspection: JournalInspection): string[] {
  if (inspection.headerProblem) {
    return [`line 1: the header is damaged (${inspection.headerProblem}); this cannot be repaired`];
  }
  const bad = inspection.firstBad;
  if (!bad) return [];
  if (inspection.validAfterBad.length === 0) {
    return [`line ${bad.line}: torn tail (${bad.reason}); nothing after it is valid`];
  }
  return [
    `line ${bad.line}: corrupt record (${bad.reason}) followed by ${inspection.validAfterBad.length} valid record(s)`,
  ];
}

function jobsTouched(inspection: JournalInspection): string[] {
  const ids = new Set<string>();
  for (const record of inspection.validAfterBad) {
    if (typeof record.id === "string") ids.add(record.id);
  }
  return [...ids];
}

async function replayCounts(home: string, report: DoctorReport): Promise<JobCounts | null> {
  let store: JournalQueueStore | undefined;
  try {
    store = await JournalQueueStore.open(home);
    const counts = await store.countJobs();
    const workers = await store.listWorkers();
    const live = new Set(
      workers.filter((w) => w.status === "running" || w.status === "stopping").map((w) => w.id),
    );
    for (const job of await store.listJobs({ state: "processing" })) {
      if (job.worker_id === null || !live.has(job.worker_id)) {
        report.warnings.push(
          `job ${job.id} is processing for worker ${job.worker_id}, which is not running; ` +
            `the next worker to run recovers it (queuectl worker start)`,
        );
      }
    }
    await checkSummary(join(home, JOURNAL_FILE), counts, report);
    return counts;
  } catch (error) {
    if (error instanceof CorruptJournalError) {
      report.problems.push(error.message);
      return null;
    }
    throw error;
  } finally {
    await store?.close();
  }
}

/**
 * A compacted journal's summary (what `status` and `list --limit` read instead of the snapshot's
 * jobs) must add up to what a replay finds: otherwise they would show other counts than the queue
 * holds. A compaction writes a new one.
 */
async function checkSummary(path: string, counts: JobCounts, report: DoctorReport): Promise<void> {
  const { fastSummary } = await import("./fast_reads.ts");
  const summary = await fastSummary(path);
  if (summary === undefined) return; // none to check: status replays
  const differ = (Object.keys(counts) as (keyof JobCounts)[])
    .filter((state) => summary.jobs[state] !== counts[state])
    .map((state) => `${state} ${summary.jobs[state]} instead of ${counts[state]}`);
  if (differ.length > 0) {
    report.warnings.push(
      `the compacted journal's summary does not add up to its jobs (${differ.join(", ")}): ` +
        `status and list would show those; "queuectl compact" writes a new one`,
    );
  }
}

/**
 * Repairs what can be repaired: cuts at the first bad record (after a backup when valid records
 * follow it). Requires `--allow-read` and `--allow-write`.
 * @param home The queue home.
 * @returns The repair's report.
 */
export async function repairHome(home: string) {
  const report = await repairJournal(home);
  const cutAway = report.inspection.validAfterBad.map((record) => record.seq);
  if (report.repaired && cutAway.length > 0) {
    // Claims cut away had sequence numbers a worker may still hold as its lease: numbering goes
    // on after the highest, so a late completion of such a run can never match a new claim.
    const store = await JournalQueueStore.open(home);
    try {
      await store.journal.compact({ seqFloor: Math.max(...cutAway) });
    } finally {
      await store.close();
    }
  }
  return report;
}

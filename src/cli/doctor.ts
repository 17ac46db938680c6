/**
 * `queuectl doctor [--repair]`: verify the journal end to end; repair what can be repaired.
 * @module
 */

import { UntrustedHomeError } from "../errors.ts";
import { diagnoseHome, type DoctorReport, repairHome } from "../queue/doctor.ts";
import type { JobCounts } from "../queue/mod.ts";
import type { CommandContext, CommandSpec } from "./command.ts";
import { formatBytes } from "./compact.ts";
import { workerViews } from "./worker_views.ts";

function printReport(context: CommandContext, report: DoctorReport): void {
  const out = context.out;
  out.line(`journal     ${report.journal}`);
  if (report.trusted) {
    out.line(
      `size        ${
        formatBytes(report.bytes)
      }, ${report.records} valid records, last seq ${report.last_seq}`,
    );
    out.line(
      `storage     ${report.filesystem ?? "unknown"} file system, fsync ${report.fsync_micros} µs`,
    );
  }
  if (report.jobs) {
    const { total, ...states } = report.jobs;
    out.line(
      `jobs        ${total} (${Object.entries(states).map(([s, n]) => `${n} ${s}`).join(", ")})`,
    );
  }
  for (const problem of report.problems) out.line(`${out.paint("red", "problem")}     ${problem}`);
  if (report.records_at_risk > 0) {
    out.line(
      `at risk     cutting there drops ${report.records_at_risk} valid record(s), touching job(s): ` +
        (report.jobs_at_risk.join(", ") || "none"),
    );
  }
  for (const warning of report.warnings) {
    out.line(`${out.paint("yellow", "warning")}     ${warning}`);
  }
  if (report.problems.length === 0) {
    out.line(`${out.paint("green", "ok")}          journal verified`);
  }
}

export const doctorCommand: CommandSpec = {
  name: ["doctor"],
  summary: "verify the journal end to end; --repair fixes what it can, keeping a backup",
  details: `Checks that the home and every file in it are yours alone (owned by you, writable by no
one else, no symbolic links), then the header, every record's checksum and sequence number,
replays the state, and looks at the storage (tmpfs, NFS, suspiciously fast fsync). --repair
truncates a torn tail; for a bad record followed by valid ones it first says which jobs would lose
changes, copies the journal to journal.jsonl.bak-<time>, then cuts at the bad record. It changes no
permissions: fix those as the problem lines say.
Examples:
  queuectl doctor
  queuectl doctor --repair`,
  options: { repair: { type: "boolean", help: "cut the journal at its first bad record" } },
  positionals: [0, 0],
  async run(context, _args, options) {
    if (context.storeUrl !== undefined) {
      return await diagnoseDatabase(context, options.repair === true);
    }
    let refusal: UntrustedHomeError | undefined;
    try {
      await context.withStore(() => Promise.resolve()); // creates the home and journal if missing
    } catch (error) {
      // The report lists every such problem, not only the first.
      if (!(error instanceof UntrustedHomeError)) throw error;
      refusal = error;
    }
    const before = await diagnoseHome(context.home);
    if (refusal && before.trusted) throw refusal; // a problem the walk cannot see: say it as is
    if (!before.trusted && options.repair === true) {
      if (context.json) context.out.json({ before, repair: null, after: before });
      else {
        printReport(context, before);
        context.out.line("could not repair: fix the problems above first");
      }
      return 1;
    }
    if (options.repair !== true) {
      if (context.json) context.out.json(before);
      else printReport(context, before);
      return before.problems.length === 0 ? 0 : 1;
    }
    if (!context.json) printReport(context, before);
    if (before.problems.length === 0) {
      if (context.json) context.out.json({ before, repair: null, after: before });
      else context.out.line("nothing to repair");
      return 0;
    }
    const repair = await repairHome(context.home);
    const after = await diagnoseHome(context.home);
    if (context.json) {
      context.out.json({
        before,
        repair: {
          repaired: repair.repaired,
          backup: repair.backup ?? null,
          bytes_cut: repair.bytesCut,
        },
        after,
      });
    } else if (repair.repaired) {
      context.out.line(
        `repaired    cut ${formatBytes(repair.bytesCut)} at line ${
          repair.inspection.firstBad!.line
        }` +
          (repair.backup ? `; backup of the whole file: ${repair.backup}` : ""),
      );
      printReport(context, after);
    } else {
      context.out.line("could not repair: see the problem above");
    }
    return after.problems.length === 0 ? 0 : 1;
  },
};

/** What doctor found in a PostgreSQL store. */
interface DatabaseReport {
  store: "postgres";
  /** `host:port/database`. */
  database: string;
  schema_version: number;
  problems: string[];
  warnings: string[];
  jobs: JobCounts;
}

/**
 * Doctor of a PostgreSQL store. Opening it proves the database answers, the login and the schema
 * (made or migrated on the way, its version checked); a job held by a worker that is gone is worth
 * a warning. There is nothing to repair, and the home's journal is not looked at: it is not in use.
 */
async function diagnoseDatabase(context: CommandContext, repair: boolean): Promise<number> {
  const report = await context.withStore(async (store): Promise<DatabaseReport> => {
    const { PostgresQueueStore } = await import("../postgres/store.ts");
    if (!(store instanceof PostgresQueueStore)) throw new Error("doctor: not a PostgreSQL store");
    const { where, schemaVersion, problems, jobs } = await store.diagnose();
    const live = new Set(
      (await workerViews(await store.listWorkers()))
        .filter((w) => w.status === "running" || w.status === "stopping").map((w) => w.id),
    );
    const warnings = (await store.listJobs({ state: "processing" }))
      .filter((job) => job.worker_id === null || !live.has(job.worker_id))
      .map((job) =>
        `job ${job.id} is processing for worker ${job.worker_id}, which is not running; ` +
        "the next worker to run recovers it (queuectl worker start)"
      );
    return {
      store: "postgres",
      database: where,
      schema_version: schemaVersion,
      problems,
      warnings,
      jobs,
    };
  });
  const healthy = report.problems.length === 0;
  if (context.json) {
    context.out.json(repair ? { before: report, repair: null, after: report } : report);
    return healthy ? 0 : 1;
  }
  const out = context.out;
  out.line(`store       PostgreSQL ${report.database} (no journal in use)`);
  out.line(`schema      version ${report.schema_version}`);
  const { total, ...states } = report.jobs;
  out.line(
    `jobs        ${total} (${Object.entries(states).map(([s, n]) => `${n} ${s}`).join(", ")})`,
  );
  for (const problem of report.problems) out.line(`${out.paint("red", "problem")}     ${problem}`);
  for (const warning of report.warnings) {
    out.line(`${out.paint("yellow", "warning")}     ${warning}`);
  }
  if (healthy) out.line(`${out.paint("green", "ok")}          database verified`);
  if (repair) out.line("nothing to repair");
  return healthy ? 0 : 1;
}

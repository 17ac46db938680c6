/**
 * Slots on a shared PostgreSQL store: a worker running jobs in some slots, with a slot free, that
 * finds while idle that another process presumed it dead kills its running jobs at once (they
 * were recovered and may already run elsewhere), not at its next heartbeat.
 *
 * To tell the two apart, the worker's heartbeat is held up: a session of the test asks for the
 * workers table (`EXCLUSIVE`: reads go on, writes wait) while the transaction that records the
 * worker lost holds its row, so that it gets the table next, before any heartbeat. From then on
 * the worker's heartbeats (an UPDATE of the table) wait and cannot tell it anything, while its
 * idle slot's reads go on. (A lock of the row alone would not do: a heartbeat that sees the row
 * already lost matches nothing and waits for no lock.) The test's recovery passes for a process
 * on another machine: it cannot kill the run itself, so before the job is requeued it waits,
 * a few seconds at most, for the worker to kill it.
 * @module
 */

import assert from "node:assert/strict";
import postgres from "npm:postgres@3.4.9";
import { SCHEMA } from "../../src/postgres/schema.ts";
import { PostgresQueueStore } from "../../src/postgres/store.ts";
import type { WorkerEntry } from "../../src/queue/mod.ts";
import { postgresAvailable } from "../_postgres.ts";
import { waitFor } from "../_temp_home.ts";
import {
  assertNoOverlap,
  type Cluster,
  type Machine,
  nowNs,
  processGone,
  recordedCommand,
  type RecordedRun,
  signalGroup,
  type StartedWorker,
  waitUntil,
  withCluster,
} from "./_machines.ts";

const available = await postgresAvailable();
const skip = available ? "" : " (SKIPPED: no PostgreSQL server for tests)";
/**
 * How soon the run must be killed: far less than the fence (a worker whose heartbeats fail for
 * two thirds of the default `stall_timeout`, 20 s, kills its runs anyway).
 */
const PROMPTLY_MS = 5_000;

/** A lock of the workers table, asked for by a session of the test, until released. */
interface TableLock {
  /** The session's backend pid. */
  backend: number;
  /** Whether it holds the lock yet. */
  held(): boolean;
  /** Ends the transaction, and with it the lock. */
  release(): Promise<void>;
}

/**
 * Asks for the workers table in `EXCLUSIVE` mode, in a transaction of its own: once granted,
 * reads of the table go on, every write (a heartbeat) waits.
 */
async function lockWorkersTable(sql: postgres.Sql): Promise<TableLock> {
  const backend = Promise.withResolvers<number>();
  const release = Promise.withResolvers<void>();
  let held = false;
  const ended = sql.begin(async (tx) => {
    const [row] = await tx`SELECT pg_backend_pid() AS pid`;
    backend.resolve(Number(row!.pid));
    await tx.unsafe(`LOCK TABLE ${SCHEMA}.workers IN EXCLUSIVE MODE`);
    held = true;
    await release.promise;
  });
  ended.catch((error) => backend.reject(error));
  return {
    backend: await backend.promise,
    held: () => held,
    release: async () => {
      release.resolve();
      await ended;
    },
  };
}

/**
 * Whether the test's lock is next once the transaction that holds the workers' rows ends: it
 * waits for that one only (whose row locks conflict with it), and no other session holds the
 * table for writing (a heartbeat already under way, which would end before it). Writes asked
 * for from now on queue behind it.
 */
async function nextInLine(sql: postgres.Sql, lock: TableLock): Promise<boolean> {
  const waiting = await waitFor("the test's session to wait for the workers table", async () => {
    if (lock.held()) return false; // nobody held it: not behind the verdict
    const [row] = await sql.unsafe(
      `SELECT 1 FROM pg_locks WHERE pid = $1 AND relation = '${SCHEMA}.workers'::regclass
         AND mode = 'ExclusiveLock' AND NOT granted`,
      [lock.backend],
    );
    return row === undefined ? undefined : true;
  }, 5_000);
  if (!waiting) return false;
  const writers = await sql.unsafe(
    `SELECT pid FROM pg_locks WHERE relation = '${SCHEMA}.workers'::regclass
       AND mode = 'RowExclusiveLock' AND granted AND pid <> $1`,
    [lock.backend],
  );
  return writers.length === 0;
}

/** The first run of a job, once it has started. */
function firstRun(cluster: Cluster, job: string): Promise<RecordedRun> {
  return waitFor(`run 1 of ${job} to start`, async () => {
    return (await cluster.runsOf(job)).find((run) => run.run === 1);
  });
}

async function readLog(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return "";
  }
}

/** `worker start --concurrency N` on a machine. */
async function startSlots(cluster: Cluster, machine: Machine, slots: number) {
  const result = await cluster.cli(machine, [
    "worker",
    "start",
    "--concurrency",
    String(slots),
    "--json",
  ]);
  assert.equal(result.code, 0, result.stderr);
  const [worker] = JSON.parse(result.stdout) as StartedWorker[];
  return worker!;
}

Deno.test({
  name:
    `PostgreSQL slots: an idle slot that finds its worker presumed dead kills the other slots' runs at once, before the rerun${skip}`,
  ignore: !available,
  async fn() {
    await withCluster(async (cluster) => {
      const a = await cluster.machine("machine-a");
      const b = await cluster.machine("machine-b");
      await cluster.enqueue(a, [{
        id: "long",
        // The first run hangs until killed; the rerun is done at once.
        command: recordedCommand(`if [ "$QUEUECTL_RUN" = 1 ]; then sleep 60; fi`),
      }]);
      const sql = postgres(cluster.url, { max: 3, onnotice: () => {} });
      const store = await PostgresQueueStore.open(cluster.url);
      let slots: StartedWorker | undefined;
      let hold: TableLock | undefined;
      try {
        // machine-a: one worker, two slots; the job in one, the other free (idle).
        slots = await startSlots(cluster, a, 2);
        const run1 = await firstRun(cluster, "long");
        assert.equal(run1.host, "machine-a");
        // machine-b stands by to run the job again.
        await cluster.startWorkers(b, 1);

        // Another process presumes the worker dead (its probe says the process is gone) and,
        // before it requeues the job, waits for the run to be killed: it cannot kill it.
        let haltedNs: bigint | undefined;
        let lost = false;
        for (let tries = 1; !lost; tries++) {
          assert.ok(tries <= 20, "the worker is recorded lost with its heartbeat held up");
          let asked = 0;
          const probe = async (worker: WorkerEntry) => {
            if (worker.id !== slots!.id) return true;
            if (++asked === 1) return false;
            // Asked again inside the transaction that records the verdict, which holds the
            // worker's row: the test's session asks for the table now, so that it is next.
            hold = await lockWorkersTable(sql);
            if (!(await nextInLine(sql, hold))) return true; // a heartbeat got there first
            return false;
          };
          const report = await store.recoverLostWorkers({
            probe,
            releaseRun: async (job) => {
              if (job.id !== "long") return;
              // From the verdict on, the test's session holds the workers table: no heartbeat
              // of the worker can reach the store until it lets go.
              await waitUntil("the test's session to hold the workers table", () => hold!.held());
              await waitUntil(
                "the worker to kill its run, its heartbeat held up",
                () => processGone(run1.pgid),
                PROMPTLY_MS,
              );
              haltedNs = nowNs();
              await hold!.release();
            },
          });
          await hold?.release();
          hold = undefined;
          lost = report.lostWorkers.includes(slots.id);
        }
        assert.ok(haltedNs !== undefined, "the run was released before the job was recovered");

        const done = await cluster.waitForJob(
          a,
          "long",
          (job) => job.state === "completed",
          "the job to run again and complete",
          30_000,
        );
        assert.equal(done.attempts, 2);
        assert.deepEqual(done.history.map((run) => run.outcome), ["lost", "completed"]);
        assert.equal(done.history[0]!.worker_id, slots.id);
        assert.match(
          done.history[0]!.error ?? "",
          /was lost during attempt 1 \(process \d+ is gone\)/,
        );
        const runs = await cluster.runsOf("long");
        assert.deepEqual(runs.map((run) => [run.run, run.endNs !== undefined]), [
          [1, false],
          [2, true],
        ]);
        assertNoOverlap(runs, new Map([["long 1", haltedNs]]));
        await waitUntil(
          "the worker to say why it killed the run",
          async () =>
            /job long killed: this worker was presumed dead/.test(await readLog(slots!.log)),
        );
        const log = await readLog(slots.log);
        assert.doesNotMatch(log, /before this worker is presumed dead/, "not the fence's kill");
      } finally {
        await hold?.release().catch(() => {});
        if (slots) signalGroup(slots.pid, "SIGKILL");
        await store.close();
        await sql.end();
      }
    });
  },
});

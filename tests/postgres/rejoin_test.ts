/**
 * A worker presumed dead that registers again with the same id (a worker on a shared store that
 * was only out of reach joins again) first recovers the jobs still processing under its id that
 * nobody recovered yet: a live worker's jobs are recovered by no one, so otherwise they would
 * stay processing for good. Two stores on one database are the two processes: the worker's, and
 * another that records it lost and dies before recovering its job.
 * @module
 */

import assert from "node:assert/strict";
import { PostgresQueueStore } from "../../src/postgres/store.ts";
import { postgresAvailable, withDatabase } from "../_postgres.ts";
import { SUCCESS } from "../queue/_store.ts";

const available = await postgresAvailable();
const skip = available ? "" : " (SKIPPED: no PostgreSQL server for tests)";

/** What kills the process that recovers, after its verdict and before it recovers any job. */
class RecovererDied extends Error {}

/**
 * Another process finds the worker gone and records it lost, then dies before it recovers the
 * worker's job (its last step before that is releasing what the run left running).
 */
async function lostButNotRecovered(other: PostgresQueueStore, workerId: string): Promise<void> {
  await assert.rejects(
    () =>
      other.recoverLostWorkers({
        probe: (w) => Promise.resolve(w.id === workerId ? false : undefined),
        releaseRun: () => Promise.reject(new RecovererDied()),
      }),
    RecovererDied,
  );
}

Deno.test({
  name:
    `PostgreSQL: a worker presumed dead that joins again recovers first the job it still held${skip}`,
  ignore: !available,
  async fn() {
    await withDatabase(async (url) => {
      const mine = await PostgresQueueStore.open(url);
      const other = await PostgresQueueStore.open(url);
      try {
        const [job] = await mine.enqueue([{ id: "held", command: "true" }], { cwd: "/" });
        assert.equal(job!.max_retries > 0, true, "a run is left after the lost one");
        const worker = { id: "w-rejoin", pid: 999_999, host: "machine-a", pstart: null };
        await mine.registerWorker(worker);
        const claim = await mine.claimNext(worker.id);
        assert.equal(claim?.job.id, "held");

        await lostButNotRecovered(other, worker.id);
        assert.equal((await mine.listWorkers()).find((w) => w.id === worker.id)?.status, "lost");
        const stranded = await mine.getJob("held");
        assert.equal(stranded.state, "processing", "the recoverer died before the job");
        assert.equal(stranded.worker_id, worker.id);

        await mine.registerWorker(worker);

        const entry = (await mine.listWorkers()).find((w) => w.id === worker.id);
        assert.equal(entry?.status, "running", "the worker is live again");
        const recovered = await mine.getJob("held");
        assert.equal(recovered.state, "pending", "no longer processing under a live worker");
        assert.equal(recovered.attempts, 1, "the interrupted run counts as an attempt");
        assert.equal(recovered.history.length, 1);
        assert.equal(recovered.history[0]!.worker_id, worker.id);
        assert.equal(recovered.history[0]!.outcome, "lost");
        assert.match(
          recovered.history[0]!.error ?? "",
          /^worker w-rejoin was lost during attempt 1 \(process 999999 is gone\)$/,
        );
        // The old run's late end changes nothing; the job runs again, from any worker.
        assert.equal(await mine.settle(claim!, SUCCESS), "ignored");
        const again = await mine.claimNext(worker.id);
        assert.equal(again?.job.id, "held");
        assert.equal(again?.job.attempts, 2);
        assert.equal(await mine.settle(again!, SUCCESS), "completed");
        assert.equal((await other.getJob("held")).state, "completed");
      } finally {
        await mine.close();
        await other.close();
      }
    });
  },
});

Deno.test({
  name: `PostgreSQL: a job with no run left that its rejoining worker still held is dead${skip}`,
  ignore: !available,
  async fn() {
    await withDatabase(async (url) => {
      const mine = await PostgresQueueStore.open(url);
      const other = await PostgresQueueStore.open(url);
      try {
        await mine.enqueue([{ id: "last-run", command: "true", max_retries: 0 }], { cwd: "/" });
        const worker = { id: "w-last", pid: 999_998, host: "machine-a", pstart: null };
        await mine.registerWorker(worker);
        assert.equal((await mine.claimNext(worker.id))?.job.id, "last-run");
        await lostButNotRecovered(other, worker.id);
        assert.equal((await mine.getJob("last-run")).state, "processing");

        await mine.registerWorker(worker);

        const job = await mine.getJob("last-run");
        assert.equal(job.state, "dead", "its only run was the lost one");
        assert.equal(job.attempts, 1);
        assert.equal(job.history[0]!.outcome, "lost");
        assert.equal(await mine.claimNext(worker.id), null, "nothing left to run");
      } finally {
        await mine.close();
        await other.close();
      }
    });
  },
});

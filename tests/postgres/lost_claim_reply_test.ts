/**
 * A claim whose commit succeeded but whose reply was lost with the connection, during an outage
 * longer than the store retries for (a minute; two seconds here): the worker got an error, not the job, so it never
 * ran it. When that worker exits, the job is requeued as never started (its attempt not counted),
 * while a job the worker did hold and run is recorded as an interrupted run. A proxy in front of
 * the server drops the reply to the claim's commit and cuts, as a network failure at that
 * instant looks to the client.
 * @module
 */

import assert from "node:assert/strict";
import { StoreUnavailableError } from "../../src/errors.ts";
import { PostgresQueueStore } from "../../src/postgres/store.ts";
import { postgresAvailable, withDatabase } from "../_postgres.ts";
import { startTcpProxy } from "../_tcp_proxy.ts";

const available = await postgresAvailable();
const skip = available ? "" : " (SKIPPED: no PostgreSQL server for tests)";
const PG_PORT = Number(new URL(Deno.env.get("QUEUECTL_TEST_PG") ?? "postgres://x@h:5432/").port) ||
  5432;
/** The server's CommandComplete for a COMMIT: tag "COMMIT". */
const COMMIT_DONE = new TextEncoder().encode("COMMIT\0");

Deno.test({
  name:
    `PostgreSQL: a claim whose reply was lost is requeued uncounted when its worker exits; a held one counts${skip}`,
  ignore: !available,
  async fn() {
    await withDatabase(async (url) => {
      const proxy = startTcpProxy({ hostname: "127.0.0.1", port: PG_PORT });
      const viaProxy = new URL(url);
      viaProxy.port = String(proxy.port);
      const worker = await PostgresQueueStore.open(viaProxy.toString(), {
        onWarning: () => {},
        retryForMs: 2_000,
      });
      const direct = await PostgresQueueStore.open(url);
      try {
        await direct.enqueue([
          { id: "held", command: "true" },
          { id: "unseen", command: "true" },
        ], { cwd: "/" });
        const workerId = "w-unsure";
        await worker.registerWorker({
          id: workerId,
          pid: Deno.pid,
          host: "machine-a",
          pstart: null,
        });
        const held = await worker.claimNext(workerId);
        assert.equal(held?.job.id, "held");

        // The next claim commits, its reply is lost, and the database stays out of reach for
        // longer than the store tries again for: the worker is told the store is unavailable.
        proxy.loseReplyWith(COMMIT_DONE);
        await assert.rejects(() => worker.claimNext(workerId), StoreUnavailableError);
        const committed = await direct.getJob("unseen");
        assert.equal(committed.state, "processing", "the claim did commit");
        assert.equal(committed.worker_id, workerId);
        assert.equal(committed.attempts, 1);

        // The database is back; the worker stops without having run it.
        proxy.restore();
        await worker.workerExited(workerId);

        const unseen = await direct.getJob("unseen");
        assert.equal(unseen.state, "pending", "it runs again");
        assert.equal(unseen.attempts, 0, "a run that never started is not an attempt");
        assert.deepEqual(unseen.history.map((run) => run.outcome), ["requeued"]);
        assert.match(
          unseen.history[0]!.error ?? "",
          /^worker w-unsure exited before starting it \(its claim's reply was lost\)$/,
        );
        const ran = await direct.getJob("held");
        assert.equal(ran.state, "pending");
        assert.equal(ran.attempts, 1, "the run it held was interrupted: it counts");
        assert.deepEqual(ran.history.map((run) => run.outcome), ["lost"]);
        assert.match(ran.history[0]!.error ?? "", /exited during attempt 1/);
        const entry = (await direct.listWorkers()).find((w) => w.id === workerId);
        assert.equal(entry?.status, "stopped");
      } finally {
        await worker.close().catch(() => {});
        await direct.close();
        proxy.close();
      }
    });
  },
});

/**
 * An enqueue whose commit succeeds but whose reply is lost with the connection is tried again
 * when the database answers: it must find the jobs it added, not add them twice (generated ids),
 * nor call its own job "already exists" (given ids). A proxy in front of the server drops the
 * reply to the commit and cuts, as a network failure at that instant looks to the client.
 * @module
 */

import assert from "node:assert/strict";
import postgres from "npm:postgres@3.4.9";
import { SCHEMA } from "../../src/postgres/schema.ts";
import { PostgresQueueStore } from "../../src/postgres/store.ts";
import { postgresAvailable, withDatabase } from "../_postgres.ts";
import { startTcpProxy, type TcpProxy } from "../_tcp_proxy.ts";

const available = await postgresAvailable();
const skip = available ? "" : " (SKIPPED: no PostgreSQL server for tests)";
const PG_PORT = Number(new URL(Deno.env.get("QUEUECTL_TEST_PG") ?? "postgres://x@h:5432/").port) ||
  5432;
/** The server's CommandComplete for a COMMIT: tag "COMMIT". */
const COMMIT_DONE = new TextEncoder().encode("COMMIT\0");

async function withStoreBehindProxy(
  body: (store: PostgresQueueStore, proxy: TcpProxy, count: () => Promise<number>) => Promise<void>,
): Promise<void> {
  await withDatabase(async (url) => {
    const proxy = startTcpProxy({ hostname: "127.0.0.1", port: PG_PORT });
    const viaProxy = new URL(url);
    viaProxy.port = String(proxy.port);
    const store = await PostgresQueueStore.open(viaProxy.toString(), { onWarning: () => {} });
    const direct = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await body(store, proxy, async () => {
        const [row] = await direct.unsafe(`SELECT count(*)::int AS n FROM ${SCHEMA}.jobs`);
        return Number(row!.n);
      });
    } finally {
      await store.close().catch(() => {});
      await direct.end();
      proxy.close();
    }
  });
}

/** Loses the next commit's reply, and ends the outage after `ms`. */
function loseNextCommitReply(proxy: TcpProxy, ms = 300): void {
  proxy.loseReplyWith(COMMIT_DONE);
  setTimeout(() => proxy.restore(), ms);
}

Deno.test({
  name: `PostgreSQL: an enqueue whose commit reply was lost adds its jobs once${skip}`,
  ignore: !available,
  async fn() {
    await withStoreBehindProxy(async (store, proxy, count) => {
      loseNextCommitReply(proxy);
      const jobs = await store.enqueue([{ command: "echo a" }, { command: "echo b" }], {
        cwd: "/",
      });
      assert.equal(jobs.length, 2);
      assert.deepEqual(jobs.map((j) => j.command), ["echo a", "echo b"]);
      assert.equal(await count(), 2, "no job added twice");
      for (const job of jobs) assert.equal((await store.getJob(job.id)).command, job.command);
    });
  },
});

Deno.test({
  name: `PostgreSQL: a batch submit whose commit reply was lost adds its jobs once${skip}`,
  ignore: !available,
  async fn() {
    await withStoreBehindProxy(async (store, proxy, count) => {
      loseNextCommitReply(proxy);
      const ids = await store.submit(
        Array.from({ length: 5 }, (_, i) => ({ command: `echo ${i}` })),
        { cwd: "/" },
      );
      assert.equal(ids.length, 5);
      assert.equal(await count(), 5, "no job added twice");
    });
  },
});

Deno.test({
  name:
    `PostgreSQL: an enqueue of a named job whose commit reply was lost is not "already exists"${skip}`,
  ignore: !available,
  async fn() {
    await withStoreBehindProxy(async (store, proxy, count) => {
      loseNextCommitReply(proxy);
      const [job] = await store.enqueue([{ id: "named", command: "true" }], { cwd: "/" });
      assert.equal(job!.id, "named");
      assert.equal(await count(), 1);
      // A job that really existed before is still refused.
      await assert.rejects(
        () => store.enqueue([{ id: "named", command: "true" }], { cwd: "/" }),
        /already exists/,
      );
    });
  },
});

/**
 * The PostgreSQL store's own behaviour (its shared behaviour is the conformance suite in
 * tests/queue/, which runs every store test against it too): schema migration on first use, once
 * however many processes start together, and one-line errors for a bad URL, a wrong password or
 * an unreachable server.
 * @module
 */

import assert from "node:assert/strict";
import { QueueError, ValidationError } from "../../src/errors.ts";
import postgres from "npm:postgres@3.4.9";
import { CLAIM_SQL, PostgresQueueStore } from "../../src/postgres/store.ts";
import { postgresAvailable, withDatabase } from "../_postgres.ts";

const available = await postgresAvailable();
const skip = available ? "" : " (SKIPPED: no PostgreSQL server for tests)";

Deno.test({
  name: available
    ? "PostgreSQL: the schema is made on first use, once, by stores opening together"
    : "PostgreSQL store (SKIPPED: no PostgreSQL server for tests; .ci/run starts one)",
  ignore: !available,
  async fn() {
    await withDatabase(async (url) => {
      const stores = await Promise.all([1, 2, 3, 4].map(() => PostgresQueueStore.open(url)));
      try {
        await stores[0]!.enqueue([{ id: "a", command: "true" }], { cwd: "/" });
        assert.equal((await stores[3]!.getJob("a")).state, "pending");
      } finally {
        for (const store of stores) await store.close();
      }
    });
  },
});

Deno.test({
  name: "PostgreSQL: a bad URL, a wrong password or no server is one line, no stack",
  ignore: !available,
  async fn() {
    await assert.rejects(() => PostgresQueueStore.open("postgres://x"), ValidationError);
    await assert.rejects(
      () => PostgresQueueStore.open("postgres://queuectl:wrong@127.0.0.1:5432/postgres"),
      (e) =>
        e instanceof QueueError &&
        /Cannot log in to PostgreSQL at 127\.0\.0\.1:5432\/postgres as "queuectl"/.test(
          e.message,
        ) &&
        !e.message.includes("wrong"),
    );
    await assert.rejects(
      () => PostgresQueueStore.open("postgres://queuectl:queuectl@127.0.0.1:1/postgres"),
      (e) =>
        e instanceof QueueError &&
        /Cannot reach PostgreSQL at 127\.0\.0\.1:1\/postgres/.test(e.message),
    );
  },
});

Deno.test({
  name:
    `PostgreSQL: a claim reads one index entry with 300,000 jobs, 30,000 of them waiting${skip}`,
  ignore: !available,
  async fn() {
    await withDatabase(async (url) => {
      const store = await PostgresQueueStore.open(url);
      await store.close();
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      try {
        // Most jobs finished, one in ten claimable, in two queues: the shape of a busy queue.
        await sql.unsafe(
          `INSERT INTO queuectl.jobs (id, queue, state, command, max_retries, run_at, due_at, cwd,
             created_at, updated_at, ord, finished_at)
           SELECT 'j' || g, CASE WHEN g % 3 = 0 THEN 'mail' ELSE 'default' END,
             CASE WHEN g % 10 = 0 THEN 'pending' ELSE 'completed' END, 'true', 3, now(),
             now() - make_interval(secs => g), '/', now(), now(), g,
             CASE WHEN g % 10 = 0 THEN NULL ELSE now() END
           FROM generate_series(1, 300000) g`,
        );
        await sql`ANALYZE queuectl.jobs`;
        const now = new Date().toISOString();
        const plans = {
          any: [now, []],
          one: [now, [], "mail"],
          some: [now, [], ["mail", "default"]],
        } as const;
        for (const [kind, params] of Object.entries(plans)) {
          const rows = await sql.unsafe(
            `EXPLAIN (ANALYZE, FORMAT JSON) ${CLAIM_SQL[kind as keyof typeof CLAIM_SQL]}`,
            params as never,
          );
          const plan = JSON.stringify(rows[0]!["QUERY PLAN"]);
          assert.match(plan, /"Index Scan"/, `${kind}: ${plan}`);
          assert.doesNotMatch(plan, /"Sort"|"Seq Scan"/, `${kind}: ${plan}`);
          // Rows read to find the first: a handful, not thousands.
          const scanned = [...plan.matchAll(/"Actual Rows":(\d+)/g)].map((m) => Number(m[1]));
          assert.ok(Math.max(...scanned) <= 10, `${kind} read ${Math.max(...scanned)} rows`);
        }
      } finally {
        await sql.end();
      }
    });
  },
});

/**
 * The PostgreSQL store's own behaviour (its shared behaviour is the conformance suite in
 * tests/queue/, which runs every store test against it too): schema migration on first use, once
 * however many processes start together, and one-line errors for a bad URL, a wrong password or
 * an unreachable server.
 * @module
 */

import assert from "node:assert/strict";
import { QueueError, ValidationError } from "../../src/errors.ts";
import { PostgresQueueStore } from "../../src/postgres/store.ts";
import { postgresAvailable, withDatabase } from "../_postgres.ts";

const available = await postgresAvailable();

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

/**
 * Named queues at the store level: which queues a worker claims from, pause, concurrency caps
 * counted under the lock, and settings that survive compaction.
 * @module
 */

import assert from "node:assert/strict";
import type { QueueStore } from "../../src/queue/mod.ts";
import { SUCCESS, withStore } from "./_store.ts";

const ctx = { cwd: "/tmp" };

async function register(store: QueueStore, id: string, queues?: string[]) {
  await store.registerWorker({
    id,
    pid: 1,
    host: "test-host",
    pstart: null,
    ...(queues ? { queues } : {}),
  });
}

Deno.test("a worker claims only from its queues, in claim order within them", async () => {
  await withStore(async (store) => {
    await register(store, "all");
    await register(store, "convert-only", ["convert"]);
    await store.enqueue([
      { id: "b1", command: "true", queue: "backups", priority: 9 },
      { id: "c1", command: "true", queue: "convert" },
      { id: "c2", command: "true", queue: "convert", priority: 1 },
      { id: "d1", command: "true" },
    ], ctx);
    assert.equal((await store.getJob("d1")).queue, "default");
    assert.equal((await store.claimNext("convert-only"))?.job.id, "c2");
    assert.equal((await store.claimNext("convert-only"))?.job.id, "c1");
    assert.equal(await store.claimNext("convert-only"), null);
    assert.equal((await store.claimNext("all"))?.job.id, "b1", "highest priority of all queues");
    assert.equal((await store.claimNext("all"))?.job.id, "d1");
  });
});

Deno.test("a paused queue is skipped whole, never starving the others; resume claims from it again", async () => {
  await withStore(async (store) => {
    await register(store, "w");
    await store.enqueue([
      { id: "urgent", command: "true", queue: "held", priority: 100 },
      { id: "normal", command: "true" },
    ], ctx);
    await store.setQueue("held", { paused: true });
    assert.equal((await store.claimNext("w"))?.job.id, "normal");
    assert.equal(await store.claimNext("w"), null);
    const [held] = (await store.listQueues()).filter((q) => q.name === "held");
    assert.deepEqual([held?.paused, held?.pending], [true, 1]);
    await store.setQueue("held", { paused: false });
    assert.equal((await store.claimNext("w"))?.job.id, "urgent");
  });
});

Deno.test("a concurrency cap of N never lets N+1 run: checked at claim time, freed by every end", async () => {
  await withStore(async (store) => {
    for (const w of ["w1", "w2", "w3"]) await register(store, w);
    await store.setQueue("backups", { concurrency: 1 });
    await store.enqueue([
      { id: "b1", command: "true", queue: "backups", priority: 5 },
      { id: "b2", command: "true", queue: "backups", priority: 5 },
      { id: "other", command: "true" },
    ], ctx);
    const first = await store.claimNext("w1");
    assert.equal(first?.job.id, "b1");
    assert.equal((await store.claimNext("w2"))?.job.id, "other", "the full queue is skipped");
    assert.equal(await store.claimNext("w3"), null);
    // A lost worker's job still counts until it is recovered; then the cap frees.
    await store.recoverLostWorkers({ probe: (w) => Promise.resolve(w.id !== "w1") });
    assert.equal((await store.getJob("b1")).state, "pending");
    const again = await store.claimNext("w3");
    assert.equal(again?.job.id, "b1");
    assert.equal(await store.claimNext("w2"), null);
    await store.settle(again!, SUCCESS);
    assert.equal((await store.claimNext("w2"))?.job.id, "b2");
  });
});

Deno.test("queue settings and jobs' queues survive compaction, and the status fast path agrees", async () => {
  await withStore(async (store, _clock, _home, reopen) => {
    await store.setQueue("backups", { concurrency: 1 });
    await store.setQueue("held", { paused: true });
    await store.setQueue("gone", { paused: true });
    await store.setQueue("gone", { paused: false });
    await store.enqueue([
      { id: "b", command: "true", queue: "backups" },
      { id: "h", command: "true", queue: "held", depends_on: ["b"] },
    ], ctx);
    await register(store, "w", ["backups", "held"]);
    const claim = await store.claimNext("w");
    await store.settle(claim!, SUCCESS);
    const before = { queues: await store.listQueues(), workers: await store.listWorkers() };
    assert.deepEqual(before.queues.map((q) => q.name), ["default", "backups", "held"]);
    const fresh = await reopen();
    assert.deepEqual((await fresh.summary()).queues, before.queues, "status fast path");
    await fresh.close();
    await store.compact();
    const reopened = await reopen();
    assert.deepEqual(
      { queues: await reopened.listQueues(), workers: await reopened.listWorkers() },
      before,
    );
    assert.deepEqual((await reopened.summary()).queues, before.queues);
    assert.equal((await reopened.getJob("h")).queue, "held");
    await reopened.close();
  });
});

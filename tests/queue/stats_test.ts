/**
 * Counters and stats: totals that never go backwards (compaction and retention included), counts
 * in a window, rates and percentiles from the records' own times.
 * @module
 */

import assert from "node:assert/strict";
import { percentiles } from "../../src/queue/stats.ts";
import { failure, SUCCESS, withStore } from "./_store.ts";

const ctx = { cwd: "/tmp" };

Deno.test("counters count every kind of end per queue, and never go backwards, not even past retention", async () => {
  await withStore(async (store, clock, _home, reopen) => {
    await store.setConfig("retention", 0);
    await store.registerWorker({ id: "w", pid: 1, host: "h", pstart: null });
    await store.enqueue([
      { id: "ok", command: "true" },
      { id: "bad", command: "false", max_retries: 1, queue: "q" },
      { id: "c", command: "true", queue: "q" },
      { id: "dep", command: "true", depends_on: ["c"] },
    ], ctx);
    await store.cancel(["c"]); // dep is canceled with it
    for (let round = 0; round < 20; round++) {
      const claim = await store.claimNext("w");
      if (!claim) {
        clock.advance(5); // a retry is due later
        continue;
      }
      clock.advance(2);
      await store.settle(claim, claim.job.id === "bad" ? failure(1) : SUCCESS);
    }
    const expected = {
      default: { enqueued: 2, completed: 1, failed: 0, dead: 0, canceled: 1 },
      q: { enqueued: 2, completed: 0, failed: 2, dead: 1, canceled: 1 },
    };
    assert.deepEqual((await store.metrics()).totals, expected);
    clock.advance(60);
    await store.compact(); // retention 0: the completed job is dropped
    const reopened = await reopen();
    try {
      assert.equal((await reopened.countJobs()).completed, 0, "the completed job is gone");
      assert.deepEqual((await reopened.metrics()).totals, expected, "its count is not");
      assert.deepEqual(
        await reopened.stats({ sinceMs: clock.now() - 3600_000 }),
        await store.stats({ sinceMs: clock.now() - 3600_000 }),
      );
    } finally {
      await reopened.close();
    }
  });
});

Deno.test("stats of a window: counts, jobs per minute, wait and run percentiles per queue", async () => {
  await withStore(async (store, clock) => {
    await store.registerWorker({ id: "w", pid: 1, host: "h", pstart: null });
    for (let i = 0; i < 10; i++) {
      await store.enqueue([{ command: "true", queue: i < 4 ? "slow" : "default" }], ctx);
      clock.advance(1); // waited 1 s
      const claim = await store.claimNext("w");
      clock.advance(i < 4 ? 10 : 2); // ran 10 s or 2 s
      await store.settle(claim!, SUCCESS);
    }
    const report = await store.stats({ sinceMs: clock.now() - 600_000 });
    assert.equal(report.total.completed, 10);
    assert.equal(report.total.enqueued, 10);
    assert.deepEqual(report.queues.map((q) => [q.queue, q.completed]), [["default", 6], [
      "slow",
      4,
    ]]);
    const slow = report.queues.find((q) => q.queue === "slow")!;
    assert.deepEqual(slow.run_seconds, { p50: 10, p95: 10, max: 10, runs: 4 });
    assert.deepEqual(slow.wait_seconds, { p50: 1, p95: 1, max: 1, runs: 4 });
    assert.equal(report.total.completed_per_minute, 1);
    assert.equal(report.minutes.reduce((n, m) => n + m.completed, 0), 10);
    const onlySlow = await store.stats({ sinceMs: clock.now() - 600_000, queue: "slow" });
    assert.equal(onlySlow.total.completed, 4);
    const earlier = await store.stats({ sinceMs: clock.now() - 600_000 - 3600_000 });
    assert.equal(earlier.total.completed, 10, "a longer window holds the same runs");
  });
});

Deno.test("percentiles() takes the nearest rank; none for no runs", () => {
  assert.equal(percentiles([]), null);
  const ms = Array.from({ length: 100 }, (_, i) => (i + 1) * 1000);
  assert.deepEqual(percentiles(ms), { p50: 50, p95: 95, max: 100, runs: 100 });
  assert.deepEqual(percentiles([1500]), { p50: 1.5, p95: 1.5, max: 1.5, runs: 1 });
});

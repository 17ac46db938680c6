import assert from "node:assert/strict";
import { nextDueTime, pickNextJob } from "../../src/queue/claim_order.ts";
import { failure, SUCCESS, withJournalStore } from "./_store.ts";

const ctx = { cwd: "/tmp" };

Deno.test("the claim index picks exactly what a scan of every job would, through random workloads", async () => {
  await withJournalStore(async (store, clock) => {
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    await store.setConfig("backoff_base", 1.5);
    await store.setConfig("fsync", "none");
    await store.registerWorker({ id: "w", pid: 1, host: "test", pstart: null });
    const check = (step: number) => {
      const state = store.journal.state;
      const now = clock.now();
      const byIndex = state.claims.peek(now, (j) => state.jobs.get(j.id) === j);
      const byScan = pickNextJob(state.jobs.values(), now);
      assert.equal(byIndex?.id, byScan?.id, `next job at step ${step}`);
      const dueByIndex = state.claims.nextDue(now, (j) => state.jobs.get(j.id) === j);
      assert.equal(dueByIndex, nextDueTime(state.jobs.values(), now), `next due at step ${step}`);
    };
    const held: NonNullable<Awaited<ReturnType<typeof store.claimNext>>>[] = [];
    for (let step = 0; step < 600; step++) {
      const r = random();
      if (r < 0.3) {
        const later = new Date(clock.now() + random() * 20_000).toISOString();
        await store.enqueue([{
          command: "true",
          priority: Math.floor(random() * 4) - 1,
          max_retries: Math.floor(random() * 3),
          ...(random() < 0.3 ? { run_at: later } : {}),
        }], ctx);
      } else if (r < 0.55) {
        const claim = await store.claimNext("w");
        if (claim) held.push(claim);
      } else if (r < 0.8 && held.length > 0) {
        const claim = held.splice(Math.floor(random() * held.length), 1)[0]!;
        const roll = random();
        if (roll < 0.4) await store.settle(claim, SUCCESS);
        else if (roll < 0.85) await store.settle(claim, failure());
        else await store.requeue(claim, "test");
      } else if (r < 0.85) {
        const dead = await store.listJobs({ state: "dead", limit: 1 });
        if (dead[0]) await store.retryDead([dead[0].id]);
      } else if (r < 0.87) {
        await store.compact();
      } else {
        clock.advance(random() * 5);
      }
      check(step);
    }
  });
});

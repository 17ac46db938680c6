import assert from "node:assert/strict";
import { JournalQueueStore } from "../../src/queue/mod.ts";
import { failure, randomWorkflowOp, SUCCESS, withJournalStore } from "./_store.ts";

const ctx = { cwd: "/tmp" };

Deno.test("summary() read from raw lines, or from a snapshot's summary and the records after it, agrees with the full replay, before and after compaction", async () => {
  await withJournalStore(async (store, clock, home) => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    await store.setConfig("backoff_base", 1);
    await store.setConfig("fsync", "none");
    await store.setConfig("stall_timeout", 5);
    const workers = ["w1", "w2", "w3"];
    for (const w of workers) {
      await store.registerWorker({ id: w, pid: 1, host: "test", pstart: null });
    }
    const compare = async (when: string) => {
      const fresh = await JournalQueueStore.open(home, { now: clock.now });
      const fast = await fresh.summary();
      await fresh.close();
      assert.deepEqual(fast.jobs, await store.countJobs(), `counts ${when}`);
      assert.deepEqual(fast.workers, await store.listWorkers(), `workers ${when}`);
      assert.deepEqual(fast.queues, await store.listQueues(), `queues ${when}`);
    };
    const held = new Map<string, Awaited<ReturnType<typeof store.claimNext>>>();
    for (let step = 0; step < 500; step++) {
      const r = random();
      const worker = workers[Math.floor(random() * workers.length)]!;
      if (r < 0.25) {
        const batch = 1 + Math.floor(random() * 3);
        await store.enqueue(
          Array.from({ length: batch }, (_, i) => ({
            command: `echo ${step}.${i}`,
            max_retries: Math.floor(random() * 3),
            ...(random() < 0.2 ? { env: { state: "processing", id: "x", lease: "1" } } : {}),
          })),
          ctx,
        );
      } else if (r < 0.55) {
        const claim = await store.claimNext(worker);
        if (claim) held.set(claim.job.id, claim);
      } else if (r < 0.8) {
        const [id, claim] = [...held.entries()][Math.floor(random() * held.size)] ?? [];
        if (id && claim) {
          held.delete(id);
          const roll = random();
          if (roll < 0.5) await store.settle(claim, SUCCESS);
          else if (roll < 0.8) await store.settle(claim, failure(1));
          else if (roll < 0.9) await store.requeue(claim, "test");
          else await store.settle(claim, SUCCESS); // maybe stale: recovered meanwhile
        }
      } else if (r < 0.85) {
        const dead = await store.listJobs({ state: "dead", limit: 1 });
        if (dead[0]) await store.retryDead([dead[0].id]);
      } else if (r < 0.9) {
        await store.recoverLostWorkers({ probe: (w) => Promise.resolve(w.id !== worker) });
        await store.registerWorker({ id: `${worker}-${step}`, pid: 1, host: "test", pstart: null });
        workers.push(`${worker}-${step}`);
      } else if (r < 0.93) {
        await store.heartbeat(worker);
      } else if (r < 0.97) {
        await randomWorkflowOp(store, random, step);
      } else {
        clock.advance(random() * 2);
      }
      if (step % 100 === 99) await compare(`at step ${step}`);
      // A snapshot with records after it: read through its summary from then on.
      if (step === 249) await store.compact();
    }
    await compare("at the end");
    await store.compact();
    await compare("after compaction");
  });
});

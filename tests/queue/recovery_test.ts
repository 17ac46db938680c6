import assert from "node:assert/strict";
import { join } from "node:path";
import type { QueueStore } from "../../src/queue/mod.ts";
import { exitRecord } from "../../src/queue/records.ts";
import { failure, withJournalStore, withStore } from "./_store.ts";

const ctx = { cwd: "/tmp" };
const alive = () => Promise.resolve(true);
const unknown = () => Promise.resolve(undefined);

async function register(store: QueueStore, id: string): Promise<void> {
  await store.registerWorker({ id, pid: 1, host: "test-host", pstart: null });
}

/** The `op` of every record in the journal file, in order. */
async function ops(home: string): Promise<string[]> {
  const text = await Deno.readTextFile(join(home, "journal.jsonl"));
  return text.split("\n").filter(Boolean).slice(1).map((line) => JSON.parse(line).op);
}

Deno.test("a worker whose process is alive keeps its job, however late its heartbeat", async () => {
  await withStore(async (store, clock) => {
    await store.setConfig("stall_timeout", 3);
    await register(store, "w1");
    await store.enqueue([{ id: "j", command: "sleep 100" }], ctx);
    await store.claimNext("w1");
    // Waiting for the lock behind a slow holder, or stopped: its heartbeat is a minute late.
    clock.advance(60);
    const report = await store.recoverLostWorkers({ probe: alive });
    assert.deepEqual(report, { lostWorkers: [], requeued: [], dead: [] });
    assert.equal((await store.getJob("j")).state, "processing");
    assert.equal((await store.listWorkers())[0]?.status, "running");
  });
});

Deno.test("a claim or a settle counts as a sign of life, like a heartbeat", async () => {
  await withStore(async (store, clock) => {
    await store.setConfig("stall_timeout", 10);
    await register(store, "w1");
    await store.enqueue([{ id: "a", command: "true" }, { id: "b", command: "true" }], ctx);
    clock.advance(8);
    const claim = await store.claimNext("w1");
    clock.advance(8);
    // 16 s after registering, 8 s after the claim: not stalled.
    assert.deepEqual((await store.recoverLostWorkers({ probe: unknown })).lostWorkers, []);
    await store.settleAndClaimNext(claim!, failure(1));
    clock.advance(8);
    assert.deepEqual((await store.recoverLostWorkers({ probe: unknown })).lostWorkers, []);
    clock.advance(3);
    assert.deepEqual((await store.recoverLostWorkers({ probe: unknown })).lostWorkers, ["w1"]);
  });
});

Deno.test("recovery records the worker lost, then releases its run, then requeues the job", async () => {
  await withJournalStore(async (store, _clock, home) => {
    await register(store, "w1");
    await store.enqueue([{ id: "j", command: "sleep 100" }], ctx);
    await store.claimNext("w1");
    const seenAtKill: string[][] = [];
    const states: string[] = [];
    const report = await store.recoverLostWorkers({
      probe: (w) => Promise.resolve(w.id !== "w1"),
      releaseRun: async (job, worker) => {
        seenAtKill.push(await ops(home));
        states.push(`${job.id} ${job.state} ${worker?.status}`);
      },
    });
    assert.deepEqual(report, { lostWorkers: ["w1"], requeued: ["j"], dead: [] });
    // At the kill, the verdict is on disk and the job is not yet requeued.
    assert.equal(seenAtKill.length, 1);
    assert.equal(seenAtKill[0]!.at(-1), "lost");
    assert.ok(!seenAtKill[0]!.includes("recover"));
    assert.deepEqual(states, ["j processing lost"]);
    assert.deepEqual((await ops(home)).slice(-2), ["lost", "recover"]);
    assert.equal((await store.getJob("j")).state, "pending");
  });
});

Deno.test("a worker judged lost on a stale look is not lost if it heartbeats before the verdict", async () => {
  await withStore(async (store, clock, _home, reopen) => {
    await store.setConfig("stall_timeout", 10);
    await register(store, "w1");
    await store.enqueue([{ id: "j", command: "sleep 100" }], ctx);
    await store.claimNext("w1");
    clock.advance(11);
    // Another process (the worker itself) heartbeats between the lockless look and the verdict:
    // the probe, asked twice (look, then verdict), lets the heartbeat in on its first call.
    const worker = await reopen();
    let calls = 0;
    const report = await store.recoverLostWorkers({
      probe: async () => {
        if (++calls === 1) await worker.heartbeat("w1");
        return undefined;
      },
    });
    await worker.close();
    assert.deepEqual(report.lostWorkers, []);
    assert.equal((await store.getJob("j")).state, "processing");
  });
});

Deno.test("recovery sweeps a processing job whose worker exited without releasing it", async () => {
  await withJournalStore(async (store) => {
    await register(store, "w1");
    await register(store, "w2");
    await store.enqueue([{ id: "j", command: "true" }], ctx);
    await store.claimNext("w1");
    // What an older version wrote: an exit that left the claim behind.
    await store.journal.transact(() => ({
      records: [exitRecord(new Date().toISOString(), "w1")],
      result: undefined,
    }));
    assert.equal((await store.getJob("j")).state, "processing");
    const released: string[] = [];
    const report = await store.recoverLostWorkers({
      probe: alive,
      releaseRun: (job, worker) =>
        Promise.resolve(void released.push(`${job.id}:${worker?.status}`)),
    });
    assert.deepEqual(report, { lostWorkers: [], requeued: ["j"], dead: [] });
    assert.deepEqual(released, ["j:stopped"]);
    const job = await store.getJob("j");
    assert.equal(job.state, "pending");
    assert.match(job.last_error!, /worker w1 ended during attempt 1/);
  });
});

Deno.test("a worker's exit releases the jobs it still holds, counting the run", async () => {
  await withStore(async (store) => {
    await register(store, "w1");
    await store.enqueue([{ id: "a", command: "true" }, {
      id: "b",
      command: "true",
      max_retries: 0,
    }], ctx);
    await store.claimNext("w1");
    await store.claimNext("w1");
    await store.workerExited("w1");
    const [a, b] = [await store.getJob("a"), await store.getJob("b")];
    assert.equal(a.state, "pending");
    assert.equal(a.attempts, 1);
    assert.match(a.last_error!, /worker w1 exited during attempt 1/);
    assert.equal(b.state, "dead", "no run left");
    assert.equal((await store.listWorkers())[0]?.status, "stopped");
  });
});

Deno.test("release() ends a run that could not be settled: counted, pending or dead", async () => {
  await withStore(async (store) => {
    await register(store, "w1");
    await store.enqueue([{ id: "j", command: "true", max_retries: 1 }], ctx);
    const first = await store.claimNext("w1");
    assert.equal(await store.release(first!, "could not record"), true);
    assert.equal((await store.getJob("j")).state, "pending");
    assert.equal(await store.release(first!, "again"), false, "an old claim is fenced off");
    const second = await store.claimNext("w1");
    assert.equal(await store.release(second!, "could not record"), true);
    const job = await store.getJob("j");
    assert.equal(job.state, "dead");
    assert.equal(job.attempts, 2);
  });
});

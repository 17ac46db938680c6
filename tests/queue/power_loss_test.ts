import assert from "node:assert/strict";
import { type Claim, JournalQueueStore } from "../../src/queue/mod.ts";
import { crashImages, SimulatedStorage } from "../journal/_simulated_storage.ts";
import { failure, fakeClock, SUCCESS } from "./_store.ts";

const HOME = "/sim/home";
const ctx = { cwd: "/tmp" };

async function canonicalState(store: JournalQueueStore): Promise<string> {
  return JSON.stringify({
    jobs: await store.listJobs(),
    counts: await store.countJobs(),
    config: await store.getConfig(),
    workers: await store.listWorkers(),
    queues: await store.listQueues(),
    // Without next_run: that depends on the clock, not on what was recorded.
    schedules: (await store.listSchedules()).map(({ next_run: _next, ...rest }) => rest),
  });
}

/**
 * A workload touching every kind of record, with compactions forced by a tiny threshold. After
 * each acknowledged operation it notes the state: recovery must land on one of these.
 */
async function workload(
  store: JournalQueueStore,
  disk: SimulatedStorage,
  clock: ReturnType<typeof fakeClock>,
) {
  const states = [await canonicalState(store)];
  const step = async (op: () => Promise<unknown>, durable = true) => {
    await op();
    disk.acknowledge(durable);
    states.push(await canonicalState(store));
    clock.advance(1);
  };
  await step(() => store.setConfig("compact_threshold", 1024));
  await step(() => store.setConfig("backoff_base", 1));
  await step(() => store.enqueue([{ id: "a", command: "echo ä", priority: 1 }], ctx));
  await step(() =>
    store.enqueue(
      [{ id: "b", command: "true" }, { id: "c", command: "false", max_retries: 0 }],
      ctx,
    )
  );
  await step(() => store.registerWorker({ id: "w1", pid: 1, host: "sim", pstart: null }));
  // Another process enqueues without replaying the journal (generated ids: an append only).
  for (
    const batch of [[{ command: "blind 1" }, { command: "blind 2", priority: 2 }], [{
      command: "blind 3",
    }]]
  ) {
    await step(async () => {
      const other = await JournalQueueStore.open(HOME, {
        now: clock.now,
        storage: disk,
        blindAppendMinBytes: 0,
      });
      await other.submit(batch, ctx);
      await other.close();
    });
  }
  for (let round = 0; round < 6; round++) {
    await step(() =>
      store.enqueue([{ id: `r${round}`, command: `echo ${round}`, env: { N: `${round}` } }], ctx)
    );
    let claim = null;
    await step(async () => (claim = await store.claimNext("w1")), false);
    if (claim) await step(() => store.settle(claim!, round % 3 === 1 ? failure(2) : SUCCESS));
  }
  await step(() => store.compact());
  let claim = null;
  await step(async () => (claim = await store.claimNext("w1")), false);
  if (claim) await step(() => store.settle(claim!, failure(1)));
  await step(() =>
    store.enqueue([{ id: "x1", command: "true" }, { id: "x2", command: "true" }], ctx)
  );
  let next = null;
  await step(async () => (claim = await store.claimNext("w1")), false);
  if (claim) {
    await step(async () => (next = (await store.settleAndClaimNext(claim!, SUCCESS)).next));
    if (next) await step(() => store.settle(next!, SUCCESS));
  }
  await step(async () => {
    const dead = await store.listJobs({ state: "dead" });
    if (dead[0]) await store.retryDead([dead[0].id]);
  });
  // Workflows: a chain whose head dies (its dependents canceled in the same transaction), its
  // retry (the dependents brought back), a unique key, a cancel of a running job.
  await step(() =>
    store.enqueue([
      { id: "head", command: "false", max_retries: 0, unique_key: "chain" },
      { id: "mid", command: "true", depends_on: ["head"] },
      { id: "tail", command: "true", depends_on: ["mid"] },
    ], ctx)
  );
  await step(() => store.enqueue([{ id: "dup", command: "true", unique_key: "chain" }], ctx));
  for (let n = 0; n < 12; n++) {
    await step(async () => (claim = await store.claimNext("w1")), false);
    if (!claim) break;
    const held: Claim = claim;
    await step(() => store.settle(held, held.job.id === "head" ? failure(1) : SUCCESS));
  }
  await step(() => store.retry({ ids: ["head"] }));
  await step(() => store.cancel(["mid"]));
  await step(async () => (claim = await store.claimNext("w1")), false);
  if (claim) {
    const held: Claim = claim;
    await step(() => store.cancel([held.job.id]));
    await step(() => store.settle(held, { ...failure(143), canceled: true }));
  }
  await step(() => store.retry({ state: "canceled" }));
  // Queues and schedules: settings, a tick that enqueues its job in the same transaction.
  await step(() => store.setQueue("backups", { concurrency: 1, paused: true }));
  await step(() => store.enqueue([{ id: "q1", command: "true", queue: "backups" }], ctx));
  await step(() =>
    store.addSchedule(
      { name: "m", cron: "* * * * *", timezone: "UTC", job: { command: "x" } },
      false,
    )
  );
  clock.advance(60);
  await step(() => store.fireSchedules());
  await step(() => store.pauseSchedule("m", true));
  await step(() => store.requestStop("drain"));
  await step(() => store.workerExited("w1"));
  return states;
}

Deno.test("after a power loss at any instant, recovery keeps every acknowledged operation and lands on a replayed prefix", async () => {
  const clock = fakeClock();
  const disk = new SimulatedStorage();
  disk.record();
  const store = await JournalQueueStore.open(HOME, { now: clock.now, storage: disk });
  const states = await workload(store, disk, clock);
  await store.close();
  const points = disk.crashPoints;
  assert.ok(points.length > 60, `${points.length} crash points`);
  let images = 0;
  let compactionsSeen = 0;
  for (const [index, point] of points.entries()) {
    if (point.state.meta.some((op) => op.kind === "rename")) compactionsSeen++;
    for (const image of crashImages(point, "journal.jsonl")) {
      images++;
      const recovered = await JournalQueueStore.open(HOME, {
        now: clock.now,
        storage: SimulatedStorage.fromImage(image),
      });
      let state: string;
      try {
        state = await canonicalState(recovered);
      } finally {
        await recovered.close();
      }
      // Claims are not durable on their own, so recovery may land before them, but never
      // before the last durable acknowledged operation, nor past the one in flight.
      const at = states.indexOf(state, point.durable);
      assert.ok(
        at >= point.durable && at <= point.acknowledged + 1,
        `crash point ${index} (${point.acknowledged} acknowledged, ${point.durable} durable): ` +
          `recovered state is not one after operations ${point.durable}..${
            point.acknowledged + 1
          } ` +
          `(found at ${at})`,
      );
    }
  }
  assert.ok(compactionsSeen > 0, "some crash points fall inside a compaction");
  assert.ok(images > 1500, `${images} disk images recovered`);
});

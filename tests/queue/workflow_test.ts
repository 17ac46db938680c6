/**
 * Dependencies, cancel, retry and unique keys at the store level: every transition, refusals that
 * change nothing, and replay (after compaction, and by the `status` fast path) equal to the live
 * state through random workflows.
 * @module
 */

import assert from "node:assert/strict";
import { NotFoundError, ValidationError } from "../../src/errors.ts";
import type { QueueStore } from "../../src/queue/mod.ts";
import { failure, randomWorkflowOp, SUCCESS, withStore } from "./_store.ts";

const ctx = { cwd: "/tmp" };

async function register(store: QueueStore, id = "w1"): Promise<void> {
  await store.registerWorker({ id, pid: 1, host: "test-host", pstart: null });
}

async function states(store: QueueStore, ...ids: string[]): Promise<string[]> {
  return await Promise.all(ids.map(async (id) => (await store.getJob(id)).state));
}

/** Runs the next claimable job of `w1` to the given end. */
async function runNext(store: QueueStore, ok = true) {
  const claim = await store.claimNext("w1");
  assert.ok(claim, "a job to claim");
  await store.settle(claim, ok ? SUCCESS : failure(1));
  return claim.job.id;
}

Deno.test("a job waits for its dependencies, then becomes pending when the last one completed", async () => {
  await withStore(async (store) => {
    await register(store);
    await store.enqueue([{ id: "a", command: "true" }, { id: "b", command: "true" }], ctx);
    const [c] = await store.enqueue([{ id: "c", command: "true", depends_on: ["a", "b"] }], ctx);
    assert.equal(c!.state, "waiting");
    assert.deepEqual((await store.getJob("a")).dependents, ["c"]);
    assert.equal(await runNext(store), "a");
    assert.deepEqual(await states(store, "c"), ["waiting"]);
    assert.equal(await runNext(store), "b");
    assert.deepEqual(await states(store, "c"), ["pending"]);
    assert.equal(await runNext(store), "c");
    // A dependency already completed: pending at once.
    const [d] = await store.enqueue([{ id: "d", command: "true", depends_on: ["c"] }], ctx);
    assert.equal(d!.state, "pending");
  });
});

Deno.test("dependencies within a batch: each on an earlier job; anything else is refused, nothing written", async () => {
  await withStore(async (store) => {
    await store.enqueue([{ id: "x", command: "true", max_retries: 0 }], ctx);
    const [, b] = await store.enqueue([
      { id: "a", command: "true" },
      { id: "b", command: "true", depends_on: ["a", "x"] },
    ], ctx);
    assert.equal(b!.state, "waiting");
    await register(store);
    await runNext(store, false); // x is dead now
    const before = JSON.stringify(await store.listJobs());
    const refused: [unknown[], RegExp][] = [
      [[{ id: "n", command: "true", depends_on: ["nope"] }], /no job with id "nope"/],
      [[{ id: "n", command: "true", depends_on: ["n"] }], /cannot depend on itself/],
      [[{ id: "n", command: "true", depends_on: ["x"] }], /dependency "x" is dead/],
      [
        [{ id: "n", command: "true", depends_on: ["m"] }, { id: "m", command: "true" }],
        /Job 1: field "depends_on": "m" comes later in the batch/,
      ],
      [
        [
          { id: "n", command: "true", depends_on: ["m"] },
          { id: "m", command: "true", depends_on: ["n"] },
        ],
        /closes a cycle/,
      ],
    ];
    for (const [inputs, message] of refused) {
      await assert.rejects(
        () => store.enqueue(inputs as never, ctx),
        (e) => e instanceof ValidationError && message.test(e.message),
        String(message),
      );
    }
    assert.equal(JSON.stringify(await store.listJobs()), before, "nothing written");
  });
});

Deno.test("a dead dependency cancels its dependents down the chain; its retry brings them back", async () => {
  await withStore(async (store) => {
    await register(store);
    await store.enqueue([
      { id: "a", command: "false", max_retries: 0 },
      { id: "b", command: "true", depends_on: ["a"] },
      { id: "c", command: "true", depends_on: ["b"] },
      { id: "other", command: "true" },
    ], ctx);
    assert.equal(await runNext(store, false), "a");
    assert.deepEqual(await states(store, "a", "b", "c", "other"), [
      "dead",
      "canceled",
      "canceled",
      "pending",
    ]);
    assert.equal((await store.getJob("b")).last_error, "dependency a is dead");
    assert.equal((await store.getJob("c")).last_error, "dependency b is canceled");
    const { retried: revived } = await store.retry({ ids: ["a"] });
    assert.deepEqual(revived, [
      { id: "a", state: "pending" },
      { id: "b", state: "waiting" },
      { id: "c", state: "waiting" },
    ]);
    assert.deepEqual(await states(store, "a", "b", "c"), ["pending", "waiting", "waiting"]);
    assert.equal((await store.getJob("a")).attempts, 0);
    assert.equal((await store.getJob("a")).history.length, 1, "history kept");
    await store.cancel(["other"]);
    for (const id of ["a", "b", "c"]) assert.equal(await runNext(store), id);
  });
});

Deno.test("cancel: pending, waiting and failed at once with their dependents; running ones by request", async () => {
  await withStore(async (store, clock) => {
    await register(store);
    await store.setConfig("backoff_base", 2);
    await store.enqueue([
      { id: "run", command: "sleep 9" },
      { id: "fail", command: "false", max_retries: 3 },
      { id: "p", command: "true" },
      { id: "w", command: "true", depends_on: ["p"] },
    ], ctx);
    const running = await store.claimNext("w1");
    assert.equal(running?.job.id, "run");
    await runNext(store, false); // "fail" is failed, its retry due later
    const report = await store.cancel(["run", "fail", "p"]);
    assert.deepEqual(report, { canceled: ["fail", "p", "w"], stopping: ["run"] });
    assert.deepEqual(await states(store, "run", "fail", "p", "w"), [
      "processing",
      "canceled",
      "canceled",
      "canceled",
    ]);
    assert.equal((await store.getJob("w")).last_error, "dependency p is canceled");
    assert.deepEqual(await store.cancelRequests("w1"), ["run"]);
    assert.ok((await store.getJob("run")).cancel_requested_at);
    clock.advance(60);
    assert.equal(await store.claimNext("w1"), null, "nothing canceled is claimed again");
    assert.equal(
      await store.settle(running!, { ...failure(143), signal: "SIGTERM", canceled: true }),
      "canceled",
    );
    const run = await store.getJob("run");
    assert.equal(run.state, "canceled");
    assert.equal(run.history.at(-1)?.outcome, "canceled");
    assert.deepEqual(await store.cancelRequests("w1"), []);
  });
});

Deno.test("a cancel asked while the worker is lost or stopping with --now still ends canceled", async () => {
  await withStore(async (store) => {
    await register(store);
    await store.enqueue([{ id: "a", command: "true" }, { id: "b", command: "true" }], ctx);
    const a = await store.claimNext("w1");
    const b = await store.claimNext("w1");
    await store.cancel(["a", "b"]);
    assert.equal(await store.requeue(a!, "worker stopped with --now"), true);
    assert.equal(await store.release(b!, "could not record"), true);
    assert.deepEqual(await states(store, "a", "b"), ["canceled", "canceled"]);
  });
});

Deno.test("cancel and retry check every id first: unknown is exit 3, a wrong state exit 2, nothing changes", async () => {
  await withStore(async (store) => {
    await register(store);
    await store.enqueue([{ id: "done", command: "true" }, { id: "p", command: "true" }], ctx);
    await runNext(store);
    const before = JSON.stringify(await store.listJobs());
    await assert.rejects(() => store.cancel(["p", "nope"]), NotFoundError);
    await assert.rejects(
      () => store.cancel(["p", "done"]),
      (e) => e instanceof ValidationError && /Job "done" is completed/.test(e.message),
    );
    await assert.rejects(
      () => store.retry({ ids: ["done", "p"] }),
      (e) => e instanceof ValidationError && /Job "p" is pending/.test(e.message),
    );
    assert.equal(JSON.stringify(await store.listJobs()), before);
    assert.deepEqual(await states(store, "p"), ["pending"]);
  });
});

Deno.test("retry runs a completed, dead or canceled job again, attempts reset, history kept", async () => {
  await withStore(async (store) => {
    await register(store);
    await store.enqueue([{ id: "a", command: "true" }], ctx);
    await runNext(store);
    await store.retry({ ids: ["a"] });
    const a = await store.getJob("a");
    assert.equal(a.state, "pending");
    assert.equal(a.attempts, 0);
    assert.equal(a.history.length, 1);
    await runNext(store);
    assert.equal((await store.getJob("a")).runs, 2);
    await store.enqueue([{ id: "c1", command: "true" }, { id: "c2", command: "true" }], ctx);
    await store.cancel(["c1", "c2"]);
    assert.deepEqual((await store.retry({ state: "canceled" })).retried.map((r) => r.id), [
      "c1",
      "c2",
    ]);
    assert.deepEqual(await store.retry({ state: "dead" }), { retried: [], skipped: [] });
  });
});

Deno.test("a unique key held by an unfinished job adds nothing and answers that job; free once it ends", async () => {
  await withStore(async (store) => {
    await register(store);
    const [first] = await store.enqueue([{ id: "one", command: "true", unique_key: "k" }], ctx);
    assert.equal(first!.duplicate, undefined);
    const [again] = await store.enqueue([{ command: "true", unique_key: "k" }], ctx);
    assert.equal(again!.id, "one");
    assert.equal(again!.duplicate, true);
    assert.deepEqual(await store.submit([{ command: "x", unique_key: "k" }], ctx), ["one"]);
    // Within a batch the first wins.
    const batch = await store.enqueue([
      { id: "b1", command: "true", unique_key: "batch" },
      { id: "b2", command: "true", unique_key: "batch" },
    ], ctx);
    assert.deepEqual(batch.map((j) => [j.id, j.duplicate ?? false]), [["b1", false], ["b1", true]]);
    assert.equal((await store.countJobs()).total, 2);
    await runNext(store);
    const [next] = await store.enqueue([{ id: "two", command: "true", unique_key: "k" }], ctx);
    assert.equal(next!.id, "two", "the key is free once its job completed");
    await assert.rejects(
      () => store.retry({ ids: ["one"] }),
      (e) => e instanceof ValidationError && /job "two" holds its unique key "k"/.test(e.message),
    );
  });
});

for (const seed of [1, 2, 3, 4, 5]) {
  Deno.test(`random workflows and queues (seed ${seed}): the status fast path and replay after compaction agree with the live state`, async () => {
    await withStore(async (store, clock, _home, reopen) => {
      let s = seed;
      const random = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
      await store.setConfig("backoff_base", 1);
      await store.setConfig("fsync", "none");
      await register(store);
      await register(store, "w2");
      const snapshot = async (from: QueueStore) => ({
        jobs: await from.listJobs(),
        counts: await from.countJobs(),
        workers: await from.listWorkers(),
        queues: await from.listQueues(),
        stats: await from.stats({ sinceMs: clock.now() - 3600_000 }),
        metrics: await from.metrics(),
      });
      for (let step = 0; step < 250; step++) {
        const r = random();
        if (r < 0.5) await randomWorkflowOp(store, random, step);
        else if (r < 0.9) {
          const claim = await store.claimNext(random() < 0.5 ? "w1" : "w2");
          if (claim && random() < 0.8) {
            await store.settle(claim, random() < 0.7 ? SUCCESS : failure(1));
          }
        } else clock.advance(random() * 3);
      }
      const live = await snapshot(store);
      const fresh = await reopen();
      const fast = await fresh.summary();
      await fresh.close();
      assert.deepEqual(fast.jobs, live.counts, "status fast path");
      assert.deepEqual(fast.workers, live.workers);
      assert.deepEqual(fast.queues, live.queues);
      await store.compact();
      const reopened = await reopen();
      const replayed = await snapshot(reopened);
      const fastAfter = await reopened.summary();
      await reopened.close();
      assert.deepEqual(replayed, live, "replay after compaction");
      assert.deepEqual(fastAfter.jobs, live.counts);
      assert.deepEqual(fastAfter.queues, live.queues);
      const used = live.jobs.filter((j) => j.depends_on.length > 0 || j.state === "canceled");
      assert.ok(used.length > 5, `the workload used the new features (${used.length} jobs)`);
    });
  });
}

Deno.test("a dead job at the head of a 5,000-job chain cancels all of it in one settle", async () => {
  await withStore(async (store) => {
    await store.setConfig("fsync", "none");
    await register(store);
    const chain = Array.from({ length: 5000 }, (_, i) => ({
      id: `j${i}`,
      command: "true",
      ...(i === 0 ? { max_retries: 0 } : { depends_on: [`j${i - 1}`] }),
    }));
    await store.enqueue(chain, ctx);
    assert.equal(await runNext(store, false), "j0");
    const counts = await store.countJobs();
    assert.equal(counts.dead, 1);
    assert.equal(counts.canceled, 4999);
    assert.equal((await store.getJob("j4999")).last_error, "dependency j4998 is canceled");
    const { retried } = await store.retry({ ids: ["j0"] });
    assert.equal(retried.length, 5000, "the retry brings the whole chain back");
  });
});

Deno.test("in a batch, a job that depends on a duplicate (its unique key held) depends on the holder", async () => {
  await withStore(async (store) => {
    await register(store);
    await store.enqueue([{ id: "deploy", command: "true", unique_key: "prod" }], ctx);
    const jobs = await store.enqueue([
      { id: "deploy2", command: "true", unique_key: "prod" },
      { id: "notify", command: "true", depends_on: ["deploy2"] },
    ], ctx);
    assert.deepEqual(jobs.map((j) => [j.id, j.duplicate ?? false]), [
      ["deploy", true],
      ["notify", false],
    ]);
    assert.deepEqual((await store.getJob("notify")).depends_on, ["deploy"]);
    assert.equal(await runNext(store), "deploy");
    assert.equal(await runNext(store), "notify", "notify runs once deploy completed");
  });
});

Deno.test("retry keeps one unfinished job per unique key: together, with --all, and for revived dependents", async () => {
  await withStore(async (store) => {
    await register(store);
    await store.enqueue([
      { id: "k1", command: "false", max_retries: 0, unique_key: "k" },
    ], ctx);
    await runNext(store, false);
    await store.enqueue([{ id: "k2", command: "false", max_retries: 0, unique_key: "k" }], ctx);
    await runNext(store, false);
    await assert.rejects(
      () => store.retry({ ids: ["k2", "k1"] }),
      (e) => e instanceof ValidationError && /holds its unique key "k"/.test(e.message),
    );
    const report = await store.retry({ state: "dead" });
    assert.deepEqual(report.retried.map((r) => r.id), ["k1"]);
    assert.deepEqual(report.skipped.map((s) => s.id), ["k2"]);
    // A dependent canceled by its dependency's death, whose key another job took since.
    await store.enqueue([
      { id: "x", command: "false", max_retries: 0 },
      { id: "d", command: "true", depends_on: ["x"], unique_key: "dk" },
    ], ctx);
    await store.cancel(["k1"]);
    assert.equal(await runNext(store, false), "x");
    assert.equal((await store.getJob("d")).state, "canceled");
    await store.enqueue([{ id: "e", command: "true", unique_key: "dk" }], ctx);
    await store.retry({ ids: ["x"] });
    assert.equal((await store.getJob("d")).state, "canceled", "e holds dk: d stays canceled");
    const [again] = await store.enqueue([{ command: "true", unique_key: "dk" }], ctx);
    assert.equal(again!.id, "e");
  });
});

Deno.test("retry --all-canceled leaves out (and reports) a job whose dependency is dead", async () => {
  await withStore(async (store) => {
    await register(store);
    await store.enqueue([
      { id: "x", command: "false", max_retries: 0 },
      { id: "d", command: "true", depends_on: ["x"] },
      { id: "c", command: "true" },
    ], ctx);
    await store.cancel(["c"]);
    assert.equal(await runNext(store, false), "x");
    const report = await store.retry({ state: "canceled" });
    assert.deepEqual(report.retried, [{ id: "c", state: "pending" }]);
    assert.deepEqual(report.skipped.map((s) => s.id), ["d"]);
    assert.match(report.skipped[0]!.reason, /depends on "x", which is dead/);
  });
});

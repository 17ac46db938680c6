import assert from "node:assert/strict";
import { NotFoundError, ValidationError } from "../../src/errors.ts";
import { join } from "node:path";
import type { QueueStore } from "../../src/queue/mod.ts";
import { JournalQueueStore } from "../../src/queue/journal_store.ts";
import { withTempHome } from "../_temp_home.ts";
import { failure, randomWorkflowOp, SUCCESS, withStore } from "./_store.ts";

const ctx = { cwd: "/tmp" };
const dead = () => Promise.resolve(false);
const alive = () => Promise.resolve(true);
const unknown = () => Promise.resolve(undefined);

async function register(store: QueueStore, id: string): Promise<void> {
  await store.registerWorker({ id, pid: 1, host: "test-host", pstart: null });
}

Deno.test("enqueue() fills defaults from config and the context", async () => {
  await withStore(async (store, clock) => {
    await store.setConfig("max_retries", 5);
    await store.setConfig("job_timeout", 0);
    const [job] = await store.enqueue([{ command: "echo hi" }], ctx);
    assert.equal(job!.state, "pending");
    assert.equal(job!.attempts, 0);
    assert.equal(job!.max_retries, 5);
    assert.equal(job!.priority, 0);
    assert.equal(job!.timeout, null);
    assert.equal(job!.cwd, "/tmp");
    assert.equal(job!.env, null);
    assert.equal(job!.run_at, new Date(clock.now()).toISOString());
    assert.match(job!.id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
  });
});

Deno.test("enqueue() of a batch is all or none, and a duplicate id changes nothing", async () => {
  await withStore(async (store) => {
    await store.enqueue([{ id: "a", command: "true" }], ctx);
    const before = JSON.stringify(await store.listJobs());
    await assert.rejects(
      store.enqueue([{ id: "b", command: "true" }, { id: "a", command: "true" }], ctx),
      (e) =>
        e instanceof ValidationError && /Job 2: a job with id "a" already exists/.test(e.message),
    );
    await assert.rejects(
      store.enqueue([{ id: "c", command: "true" }, { id: "c", command: "true" }], ctx),
      ValidationError,
    );
    assert.equal(JSON.stringify(await store.listJobs()), before, "nothing written");
    assert.deepEqual((await store.listJobs()).map((j) => j.id), ["a"]);
  });
});

Deno.test("submit() with ids of its own, each from a fresh process: new ones added, taken ones refused", async () => {
  await withStore(async (store, _clock, _home, reopen) => {
    // A fresh process (the CLI's enqueue) holds no state: on the journal it searches the text.
    const fresh = async <T>(body: (other: QueueStore) => Promise<T>): Promise<T> => {
      const other = await reopen();
      try {
        return await body(other);
      } finally {
        await other.close();
      }
    };
    const taken = (id: string) => (e: unknown) =>
      e instanceof ValidationError &&
      e.message.toLowerCase().includes(`a job with id "${id}" already exists`);
    await store.enqueue([{ id: "a", command: "true", env: { NOTE: '"id":"b"' } }], ctx);
    assert.deepEqual(await fresh((s) => s.submit([{ id: "b", command: "true" }], ctx)), ["b"]);
    await assert.rejects(fresh((s) => s.submit([{ id: "a", command: "x" }], ctx)), taken("a"));
    // Non-ASCII ids are written escaped: still found.
    assert.deepEqual(await fresh((s) => s.submit([{ id: "été", command: "true" }], ctx)), ["été"]);
    await assert.rejects(fresh((s) => s.submit([{ id: "été", command: "x" }], ctx)), taken("été"));
    // One taken id in a batch: nothing added; a repeated one: refused.
    await assert.rejects(
      fresh((s) => s.submit([{ id: "c", command: "true" }, { id: "b", command: "x" }], ctx)),
      taken("b"),
    );
    await assert.rejects(
      fresh((s) => s.submit([{ id: "d", command: "true" }, { id: "d", command: "x" }], ctx)),
      ValidationError,
    );
    // A prefix of a taken id is not taken; a compacted journal still knows every job.
    await store.compact();
    assert.deepEqual(
      await fresh((s) =>
        s.submit([{ id: "é", command: "true" }, { id: "e", command: "true" }], ctx)
      ),
      ["é", "e"],
    );
    await assert.rejects(fresh((s) => s.submit([{ id: "a", command: "x" }], ctx)), taken("a"));
    const jobs = await fresh((s) => s.listJobs());
    assert.deepEqual(jobs.map((j) => j.id).sort(), ["a", "b", "e", "été", "é"].sort());
    assert.equal(jobs.find((j) => j.id === "a")!.command, "true", "the first one kept");
  });
});

Deno.test("submit() finds an id whose record straddles the journal's first read of 64 KiB", async () => {
  const needle = '"id":"straddling"';
  // Where the mention sits in its line, from a journal of its own.
  const offset = await withTempHome(async (scratch) => {
    const store = await JournalQueueStore.open(scratch);
    await store.submit([{ command: "x" }], ctx);
    const before = (await Deno.stat(join(scratch, "journal.jsonl"))).size;
    await store.submit([{ id: "straddling", command: "true" }], ctx);
    await store.close();
    return (await Deno.readTextFile(join(scratch, "journal.jsonl"))).indexOf(needle) - before;
  });
  await withTempHome(async (home) => {
    const store = await JournalQueueStore.open(home);
    const size = async () => (await Deno.stat(join(home, "journal.jsonl"))).size;
    try {
      await store.submit([{ command: "x".repeat(60_000) }], ctx);
      const before = await size();
      await store.submit([{ command: "x" }], ctx);
      const line = await size() - before; // a job's line, its command one byte long
      // The next job's line ends where the mention must start: 8 bytes before byte 65,536.
      const pad = 65_536 - 8 - offset - before - 2 * line;
      await store.submit([{ command: "x".repeat(1 + pad) }], ctx);
      await store.submit([{ id: "straddling", command: "true" }], ctx);
      const at = (await Deno.readTextFile(join(home, "journal.jsonl"))).indexOf(needle);
      assert.ok(at < 65_536 && at + needle.length > 65_536, `it spans byte 65,536 (at ${at})`);
    } finally {
      await store.close();
    }
    const fresh = await JournalQueueStore.open(home);
    try {
      await assert.rejects(
        fresh.submit([{ id: "straddling", command: "x" }], ctx),
        /already exists/,
      );
    } finally {
      await fresh.close();
    }
  });
});

Deno.test("a worker running several jobs lists them all; job is the last it started of those", async () => {
  await withStore(async (store) => {
    await register(store, "w");
    await store.enqueue(["a", "b", "c"].map((id) => ({ id, command: "true" })), ctx);
    const claims = [await store.claimNext("w"), await store.claimNext("w")];
    const worker = async () => (await store.summary()).workers.find((w) => w.id === "w")!;
    assert.deepEqual((await worker()).jobs, ["a", "b"]);
    assert.equal((await worker()).job, "b");
    await store.settle(claims[1]!, SUCCESS);
    assert.deepEqual((await worker()).jobs, ["a"]);
    assert.equal((await worker()).job, "a", "still running a");
    await store.settle(claims[0]!, SUCCESS);
    assert.deepEqual((await worker()).jobs, []);
    assert.equal((await worker()).job, null);
  });
});

Deno.test("claimNext() takes the highest priority, then the earliest due, then FIFO", async () => {
  await withStore(async (store, clock) => {
    await register(store, "w");
    const t = (s: number) => new Date(clock.now() + s * 1000).toISOString();
    await store.enqueue([
      { id: "low-1", command: "true", priority: 0 },
      { id: "low-2", command: "true", priority: 0 },
      { id: "high-late", command: "true", priority: 10, run_at: t(-5) },
      { id: "high-early", command: "true", priority: 10, run_at: t(-60) },
      { id: "mid", command: "true", priority: 5 },
      { id: "negative", command: "true", priority: -1 },
    ], ctx);
    const order: string[] = [];
    for (;;) {
      const claim = await store.claimNext("w");
      if (!claim) break;
      order.push(claim.job.id);
      await store.settle(claim, SUCCESS);
    }
    assert.deepEqual(order, ["high-early", "high-late", "mid", "low-1", "low-2", "negative"]);
  });
});

Deno.test("claimNext() skips a job whose run_at is in the future until it is due", async () => {
  await withStore(async (store, clock) => {
    await register(store, "w");
    const later = new Date(clock.now() + 60_000).toISOString();
    await store.enqueue([{ id: "later", command: "true", run_at: later, priority: 9 }], ctx);
    await store.enqueue([{ id: "now", command: "true" }], ctx);
    assert.equal((await store.claimNext("w"))?.job.id, "now");
    assert.equal(await store.claimNext("w"), null);
    assert.equal(await store.nextDueTime(), Date.parse(later));
    clock.advance(60);
    assert.equal((await store.claimNext("w"))?.job.id, "later");
  });
});

Deno.test("a claimed job is held by one worker with a lease and counts an attempt", async () => {
  await withStore(async (store) => {
    await register(store, "w1");
    await register(store, "w2");
    await store.enqueue([{ id: "j", command: "true" }], ctx);
    const claim = await store.claimNext("w1");
    assert.equal(await store.claimNext("w2"), null);
    const job = await store.getJob("j");
    assert.equal(job.state, "processing");
    assert.equal(job.attempts, 1);
    assert.equal(job.worker_id, "w1");
    assert.ok(claim!.lease > 0);
    assert.equal((await store.listWorkers()).find((w) => w.id === "w1")?.job, "j");
    assert.equal(await store.settle(claim!, SUCCESS), "completed");
    assert.equal((await store.getJob("j")).state, "completed");
    assert.equal((await store.listWorkers()).find((w) => w.id === "w1")?.job, null);
  });
});

Deno.test("failures back off base^n seconds, capped, then the job goes dead after R+1 runs", async () => {
  await withStore(async (store, clock) => {
    await register(store, "w");
    await store.setConfig("backoff_base", 3);
    await store.setConfig("backoff_max", 20);
    await store.enqueue([{ id: "j", command: "false", max_retries: 3 }], ctx);
    const delays: number[] = [];
    for (let run = 1; run <= 4; run++) {
      const claim = await store.claimNext("w");
      assert.ok(claim, `run ${run} claimed`);
      const outcome = await store.settle(claim, failure(2));
      const job = await store.getJob("j");
      assert.equal(job.attempts, run);
      if (run <= 3) {
        assert.equal(outcome, "failed");
        assert.equal(job.state, "failed");
        const delay = (Date.parse(job.next_run_at!) - clock.now()) / 1000;
        delays.push(delay);
        assert.equal(await store.claimNext("w"), null, "not due before its backoff");
        clock.advance(delay);
      } else {
        assert.equal(outcome, "dead");
        assert.equal(job.state, "dead");
        assert.equal(job.next_run_at, null);
      }
    }
    assert.deepEqual(delays, [3, 9, 20]);
    const job = await store.getJob("j");
    assert.equal(job.attempts, 4);
    assert.equal(job.exit_code, 2);
    assert.equal(job.last_error, "exit code 2");
    assert.deepEqual(job.history.map((a) => a.outcome), ["failed", "failed", "failed", "failed"]);
  });
});

Deno.test("a late completion with an old lease is ignored (fencing)", async () => {
  await withStore(async (store) => {
    await register(store, "w-old");
    await store.enqueue([{ id: "j", command: "true" }], ctx);
    const stale = await store.claimNext("w-old");
    const report = await store.recoverLostWorkers({ probe: dead });
    assert.deepEqual(report, { lostWorkers: ["w-old"], requeued: ["j"], dead: [] });
    await register(store, "w-new");
    const fresh = await store.claimNext("w-new");
    assert.ok(fresh && fresh.lease > stale!.lease);
    assert.equal(await store.settle(stale!, failure(1)), "ignored");
    assert.equal(await store.settle(stale!, SUCCESS), "ignored");
    let job = await store.getJob("j");
    assert.equal(job.state, "processing");
    assert.equal(job.worker_id, "w-new");
    assert.equal(await store.settle(fresh!, SUCCESS), "completed");
    job = await store.getJob("j");
    assert.equal(job.state, "completed");
    assert.equal(job.attempts, 2);
    assert.deepEqual(job.history.map((a) => a.outcome), ["lost", "completed"]);
  });
});

Deno.test("a dead worker's job is recovered as pending, its run counted", async () => {
  await withStore(async (store) => {
    await register(store, "w1");
    await register(store, "w2");
    await store.enqueue([{ id: "j", command: "sleep 100" }], ctx);
    await store.claimNext("w1");
    assert.deepEqual((await store.recoverLostWorkers({ probe: alive })).lostWorkers, []);
    const probe = (w: { id: string }) => Promise.resolve(w.id !== "w1");
    const report = await store.recoverLostWorkers({ probe: probe });
    assert.deepEqual(report.lostWorkers, ["w1"]);
    const job = await store.getJob("j");
    assert.equal(job.state, "pending");
    assert.equal(job.attempts, 1);
    assert.match(job.last_error!, /worker w1 was lost during attempt 1/);
    const workers = await store.listWorkers();
    assert.equal(workers.find((w) => w.id === "w1")?.status, "lost");
    assert.equal(workers.find((w) => w.id === "w2")?.status, "running");
    assert.equal((await store.claimNext("w2"))?.job.id, "j");
  });
});

Deno.test("a worker that cannot be probed (another host) is lost once silent past stall_timeout", async () => {
  await withStore(async (store, clock) => {
    await store.setConfig("stall_timeout", 10);
    await register(store, "w1");
    await store.enqueue([{ id: "j", command: "true", max_retries: 0 }], ctx);
    await store.claimNext("w1");
    clock.advance(5);
    await store.heartbeat("w1");
    clock.advance(9);
    assert.deepEqual((await store.recoverLostWorkers({ probe: unknown })).lostWorkers, []);
    clock.advance(2);
    const report = await store.recoverLostWorkers({ probe: unknown });
    assert.deepEqual(report, { lostWorkers: ["w1"], requeued: [], dead: ["j"] });
    assert.equal((await store.getJob("j")).state, "dead", "max_retries 0: no run left");
  });
});

Deno.test("requeue() returns a job to pending without counting the run", async () => {
  await withStore(async (store) => {
    await register(store, "w");
    await store.enqueue([{ id: "j", command: "true" }], ctx);
    const claim = await store.claimNext("w");
    assert.equal(await store.requeue(claim!, "worker stopped"), true);
    const job = await store.getJob("j");
    assert.equal(job.state, "pending");
    assert.equal(job.attempts, 0);
    assert.equal(await store.requeue(claim!, "again"), false);
  });
});

Deno.test("retryDead() moves dead jobs back to pending with attempts reset, all checked first", async () => {
  await withStore(async (store) => {
    await register(store, "w");
    await store.enqueue([{ id: "j", command: "false", max_retries: 0 }, {
      id: "p",
      command: "true",
    }], ctx);
    const claim = await store.claimNext("w");
    assert.equal(await store.settle(claim!, failure()), "dead");
    await assert.rejects(store.retryDead(["j", "p"]), /is pending, not in the dead letter queue/);
    await assert.rejects(store.retryDead(["j", "nope"]), NotFoundError);
    assert.equal((await store.getJob("j")).state, "dead", "nothing changed");
    const report = await store.retryDead(["j"]);
    assert.deepEqual(report, { retried: [{ id: "j", state: "pending" }], skipped: [] });
    const retried = await store.getJob("j");
    assert.equal(retried.state, "pending");
    assert.equal(retried.attempts, 0);
  });
});

Deno.test("stop requests mark workers stopping and stop their claims", async () => {
  await withStore(async (store) => {
    await register(store, "w");
    await store.enqueue([{ command: "true" }], ctx);
    const asked = await store.requestStop("drain");
    assert.deepEqual(asked.map((w) => w.id), ["w"]);
    const entry = await store.heartbeat("w");
    assert.equal(entry?.status, "stopping");
    assert.equal(entry?.stop, "drain");
    assert.equal(await store.claimNext("w"), null);
    await store.workerExited("w");
    assert.equal((await store.listWorkers())[0]?.status, "stopped");
  });
});

Deno.test("compaction drops completed jobs past retention and keeps every other job", async () => {
  await withStore(async (store, clock, _home, reopen) => {
    await register(store, "w");
    await store.setConfig("retention", 3600);
    await store.enqueue([
      { id: "old-done", command: "true", priority: 3 },
      { id: "dead", command: "false", max_retries: 0, priority: 2 },
      { id: "failed", command: "false", priority: 1 },
    ], ctx);
    await store.settle((await store.claimNext("w"))!, SUCCESS);
    await store.settle((await store.claimNext("w"))!, failure());
    await store.settle((await store.claimNext("w"))!, failure());
    clock.advance(3000);
    const farFuture = new Date(clock.now() + 86_400_000).toISOString();
    await store.enqueue([
      { id: "new-done", command: "true", priority: 10 },
      { id: "pending", command: "true", run_at: farFuture },
    ], ctx);
    await store.settle((await store.claimNext("w"))!, SUCCESS);
    await store.enqueue([{ id: "processing", command: "true", priority: 10 }], ctx);
    clock.advance(600);
    await store.claimNext("w");
    await store.compact();
    const reopened = await reopen();
    const ids = (await reopened.listJobs()).map((j) => `${j.id}:${j.state}`).sort();
    await reopened.close();
    assert.deepEqual(ids, [
      "dead:dead",
      "failed:failed",
      "new-done:completed",
      "pending:pending",
      "processing:processing",
    ]);
  });
});

Deno.test("replay(compact(J)) equals replay(J) for every retained job, worker and setting", async () => {
  await withStore(async (store, clock, _home, reopen) => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    await store.setConfig("backoff_base", 1);
    await store.setConfig("fsync", "none");
    for (const w of ["w1", "w2", "w3"]) await register(store, w);
    for (let step = 0; step < 400; step++) {
      const r = random();
      if (r < 0.3) {
        await store.enqueue([{
          command: `echo ${step} ünïcode`,
          priority: Math.floor(random() * 3),
          max_retries: Math.floor(random() * 3),
          ...(random() < 0.2 ? { env: { STEP: String(step) } } : {}),
        }], ctx);
      } else if (r < 0.8) {
        const claim = await store.claimNext(`w${1 + Math.floor(random() * 3)}`);
        if (claim && random() < 0.9) {
          await store.settle(claim, random() < 0.6 ? SUCCESS : failure(Math.floor(random() * 4)));
        }
      } else if (r < 0.85) {
        const deadJob = (await store.listJobs({ state: "dead", limit: 1 }))[0];
        if (deadJob) await store.retryDead([deadJob.id]);
      } else if (r < 0.93) {
        await randomWorkflowOp(store, random, step);
      } else {
        clock.advance(random() * 3);
      }
    }
    const before = {
      jobs: await store.listJobs(),
      counts: await store.countJobs(),
      workers: await store.listWorkers(),
      config: await store.getConfig(),
    };
    await store.compact();
    const reopened = await reopen();
    const after = {
      jobs: await reopened.listJobs(),
      counts: await reopened.countJobs(),
      workers: await reopened.listWorkers(),
      config: await reopened.getConfig(),
    };
    await reopened.close();
    assert.ok(before.jobs.length > 50);
    assert.deepEqual(after, before);
  });
});

Deno.test("config values are validated and shared through the journal", async () => {
  await withStore(async (store, _clock, _home, reopen) => {
    await store.setConfig("fsync", "batch");
    const other = await reopen();
    assert.equal((await other.getConfig()).fsync, "batch");
    await other.close();
  });
});

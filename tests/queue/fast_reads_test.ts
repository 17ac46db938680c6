import assert from "node:assert/strict";
import { join } from "node:path";
import { CorruptJournalError } from "../../src/errors.ts";
import { JOB_STATES, JournalQueueStore } from "../../src/queue/mod.ts";
import { fastGetJob, fastListJobs, fastSummary } from "../../src/queue/fast_reads.ts";
import { CompactedJournal } from "../../src/queue/snapshot_reader.ts";
import { failure, randomWorkflowOp, SUCCESS, withJournalStore } from "./_store.ts";

const ctx = { cwd: "/tmp" };

/** Filters `list` and the dashboard ask for, with a limit (the fast path needs one). */
const FILTERS = [
  { limit: 20 },
  { limit: 3 },
  { limit: 1000 },
  { limit: 0 },
  { limit: 5, offset: 4 },
  ...JOB_STATES.map((state) => ({ state, limit: 7 })),
  { state: "pending" as const, queue: "a", limit: 4 },
  { queue: "b", limit: 6 },
  { queue: "nope", limit: 6 },
  { search: "ECHO 1", limit: 5 },
];

Deno.test("on a compacted journal, status, list --limit and show read without replaying the snapshot and agree with the full replay", async () => {
  await withJournalStore(async (store, clock, home) => {
    const path = join(home, "journal.jsonl");
    let seed = 11;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    await store.setConfig("backoff_base", 1);
    await store.setConfig("fsync", "none");
    await store.setConfig("stall_timeout", 5);
    // Completed jobs leave at compaction after 30 s: retention drops jobs between snapshots.
    await store.setConfig("retention", 30);
    const workers = ["w1", "w2"];
    for (const w of workers) {
      await store.registerWorker({ id: w, pid: 1, host: "test", pstart: null });
    }
    let fastChecks = 0;
    const compare = async (when: string) => {
      const summary = await fastSummary(path);
      const compacted = await hasSummary(path);
      if (!compacted) {
        assert.equal(summary, undefined, `no summary before any compaction ${when}`);
        return;
      }
      fastChecks++;
      assert.ok(summary, `fast status ${when}`);
      assert.deepEqual(summary.jobs, await store.countJobs(), `counts ${when}`);
      assert.deepEqual(summary.workers, await store.listWorkers(), `workers ${when}`);
      assert.deepEqual(summary.queues, await store.listQueues(), `queues ${when}`);
      for (const filter of FILTERS) {
        assert.deepEqual(
          await fastListJobs(path, filter),
          await store.listJobs(filter),
          `list ${JSON.stringify(filter)} ${when}`,
        );
      }
      const all = await store.listJobs();
      for (const job of [all[0], all[all.length - 1], all[Math.floor(all.length / 2)]]) {
        if (job) assert.deepEqual(await fastGetJob(path, job.id), job, `show ${job.id} ${when}`);
      }
      assert.equal(await fastGetJob(path, "no-such-job"), null);
      // The store's own entry points take the same path from a fresh handle.
      const fresh = await JournalQueueStore.open(home, { now: clock.now });
      try {
        assert.deepEqual(await fresh.summary(), summary, `store summary ${when}`);
        assert.deepEqual(
          await fresh.listJobs({ limit: 20 }),
          await store.listJobs({ limit: 20 }),
          `store list ${when}`,
        );
        assert.equal(fresh.journal.lastSeq, 0, "the fresh handle loaded nothing");
      } finally {
        await fresh.close();
      }
      const shown = all[Math.floor(random() * all.length)];
      if (shown) {
        const another = await JournalQueueStore.open(home, { now: clock.now });
        try {
          assert.deepEqual(await another.getJob(shown.id), shown, `store show ${when}`);
          assert.equal(another.journal.lastSeq, 0, "the handle loaded nothing");
        } finally {
          await another.close();
        }
      }
    };
    const held = new Map<string, Awaited<ReturnType<typeof store.claimNext>>>();
    for (let step = 0; step < 700; step++) {
      const r = random();
      const worker = workers[Math.floor(random() * workers.length)]!;
      if (r < 0.22) {
        const batch = 1 + Math.floor(random() * 3);
        await store.enqueue(
          Array.from({ length: batch }, (_, i) => ({
            command: `echo ${step}.${i}`,
            max_retries: Math.floor(random() * 3),
            ...(random() < 0.3 ? { queue: random() < 0.5 ? "a" : "b" } : {}),
            ...(random() < 0.2 ? { env: { state: "processing", id: "x", lease: "1" } } : {}),
          })),
          ctx,
        );
      } else if (r < 0.5) {
        const claim = await store.claimNext(worker);
        if (claim) held.set(claim.job.id, claim);
      } else if (r < 0.72) {
        const [id, claim] = [...held.entries()][Math.floor(random() * held.size)] ?? [];
        if (id && claim) {
          held.delete(id);
          const roll = random();
          if (roll < 0.5) await store.settle(claim, SUCCESS);
          else if (roll < 0.8) await store.settle(claim, failure(1));
          else if (roll < 0.9) await store.requeue(claim, "test");
          else await store.settle(claim, SUCCESS);
        }
      } else if (r < 0.76) {
        const dead = await store.listJobs({ state: "dead", limit: 1 });
        if (dead[0]) await store.retryDead([dead[0].id]);
      } else if (r < 0.8) {
        await store.recoverLostWorkers({ probe: (w) => Promise.resolve(w.id !== worker) });
        await store.registerWorker({ id: `${worker}-${step}`, pid: 1, host: "test", pstart: null });
        workers.push(`${worker}-${step}`);
      } else if (r < 0.83) {
        await store.heartbeat(worker);
      } else if (r < 0.93) {
        await randomWorkflowOp(store, random, step);
      } else if (r < 0.97) {
        clock.advance(random() * 20);
      } else {
        await store.compact();
      }
      if (step % 50 === 49) await compare(`at step ${step}`);
    }
    await store.compact();
    await compare("right after compaction");
    assert.ok(fastChecks >= 10, `the fast path was compared ${fastChecks} times`);
  });
});

async function hasSummary(path: string): Promise<boolean> {
  const journal = await CompactedJournal.open(path);
  journal?.close();
  return journal !== undefined;
}

Deno.test("a journal compacted before summaries existed is read by the full replay", async () => {
  await withJournalStore(async (store, _clock, home) => {
    await store.enqueue([{ id: "a", command: "true" }, { id: "b", command: "true" }], ctx);
    await store.compact();
    const path = join(home, "journal.jsonl");
    // Rewrite the snapshot as older versions wrote it: no summary, no dependents.
    const lines = (await Deno.readTextFile(path)).split("\n").filter((l) => l !== "");
    assert.ok(lines.some((l) => l.includes('"op":"summary"')));
    const { encodeHeader, encodeRecord, saltOf } = await import("../../src/journal/framing.ts");
    const header = JSON.parse(lines[0]!);
    const salt = saltOf(header.gen);
    let seq = header.seq;
    const bodies = lines.slice(1).map((l) => JSON.parse(l)).filter((r) => r.op !== "summary");
    const records = bodies.map(({ seq: _s, crc: _c, dependents: _d, ...body }) =>
      encodeRecord(++seq, body, salt)
    ).join("");
    await Deno.writeTextFile(
      path,
      encodeHeader({
        seq: header.seq,
        format: header.format,
        gen: header.gen,
        created_at: header.created_at,
        snapshot_bytes: records.length,
      }) + records,
    );
    assert.equal(await fastSummary(path), undefined);
    assert.equal(await fastListJobs(path, { limit: 5 }), undefined);
    const fresh = await JournalQueueStore.open(home);
    try {
      assert.equal((await fresh.summary()).jobs.pending, 2);
      assert.deepEqual((await fresh.listJobs({ limit: 5 })).map((j) => j.id), ["b", "a"]);
    } finally {
      await fresh.close();
    }
  });
});

Deno.test("a damaged job line in the snapshot is never skipped: list and show take the full replay, which refuses it", async () => {
  await withJournalStore(async (store, _clock, home) => {
    await store.enqueue(
      Array.from({ length: 30 }, (_, i) => ({ id: `j${i}`, command: `echo ${i}` })),
      ctx,
    );
    await store.compact();
    await store.cancel(["j3"]); // a record after the snapshot that names a snapshot job
    const path = join(home, "journal.jsonl");
    const text = await Deno.readTextFile(path);
    // Damage the newest job (read first by list) and j3's line (looked up for the cancel).
    for (const id of ["j29", "j3"]) {
      const damaged = (await Deno.readTextFile(path)).replace(
        `"id":"${id}","command":"echo ${id.slice(1)}"`,
        `"id":"${id}","command":"echo X${id.slice(2)}"`,
      );
      assert.notEqual(damaged, text);
      await Deno.writeTextFile(path, damaged);
      assert.equal(await fastListJobs(path, { limit: 5 }), undefined, id);
      assert.equal(await fastGetJob(path, "j3"), undefined, id);
      const fresh = await JournalQueueStore.open(home);
      try {
        await assert.rejects(() => fresh.listJobs({ limit: 5 }), CorruptJournalError);
      } finally {
        await fresh.close();
      }
      await Deno.writeTextFile(path, text);
    }
  });
});

Deno.test("a journal cut inside its snapshot and written to again is not read by its summary", async () => {
  await withJournalStore(async (store, _clock, home) => {
    await store.enqueue(
      Array.from({ length: 10 }, (_, i) => ({ id: `j${i}`, command: `echo ${i}` })),
      ctx,
    );
    await store.compact();
    await store.close();
    const path = join(home, "journal.jsonl");
    const lines = (await Deno.readTextFile(path)).split("\n").filter((l) => l !== "");
    // As an old repair would leave it: the same header, the snapshot cut after job j4.
    const cut = lines.findIndex((l) => l.includes('"id":"j4"'));
    await Deno.writeTextFile(path, lines.slice(0, cut + 1).join("\n") + "\n");
    const again = await JournalQueueStore.open(home);
    try {
      await again.enqueue([{ id: "after", command: "true" }], ctx);
    } finally {
      await again.close();
    }
    assert.equal(await fastSummary(path), undefined);
    assert.equal(await fastListJobs(path, { limit: 3 }), undefined);
    const fresh = await JournalQueueStore.open(home);
    try {
      assert.deepEqual((await fresh.listJobs({ limit: 3 })).map((j) => j.id), [
        "after",
        "j4",
        "j3",
      ]);
    } finally {
      await fresh.close();
    }
  });
});

Deno.test("snapshot jobs are found by id, searched for or read line by line, never by an id inside a field", async () => {
  await withJournalStore(async (store, _clock, home) => {
    // j0's env names j7 first: a search for j7 must not stop at j0's line.
    await store.enqueue([
      { id: "j0", command: "true", env: { id: "j7", x: "y" } },
      ...Array.from({ length: 39 }, (_, i) => ({ id: `j${i + 1}`, command: `echo "j${i}"` })),
      { id: 'é"q', command: "true" },
    ], ctx);
    await store.compact();
    const journal = await CompactedJournal.open(join(home, "journal.jsonl"));
    assert.ok(journal);
    try {
      for (
        const ids of [
          ["j7", 'é"q', "nope"],
          Array.from({ length: 20 }, (_, i) => `j${i * 2}`),
        ]
      ) {
        const found = await journal.findJobs(new Set(ids));
        assert.deepEqual(
          [...found.keys()].sort(),
          ids.filter((id) => id !== "nope").sort(),
          `${ids.length} ids`,
        );
        for (const [id, line] of found) {
          assert.equal(JSON.parse(line.line).id, id);
          assert.equal(JSON.parse(line.line).op, "job");
        }
      }
      const newest = [];
      for await (const line of journal.newestJobs()) newest.push(JSON.parse(line.line).id);
      assert.deepEqual(newest, (await store.listJobs()).map((job) => job.id));
    } finally {
      journal.close();
    }
  });
});

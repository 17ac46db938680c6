import assert from "node:assert/strict";
import { join } from "node:path";
import { JournalQueueStore } from "../../src/queue/mod.ts";
import { outputLines, spawnFixture } from "../_processes.ts";
import { withTempHome } from "../_temp_home.ts";

Deno.test("4 processes claiming from 2,000 jobs claim every job exactly once", async () => {
  await withTempHome(async (home) => {
    const store = await JournalQueueStore.open(home);
    const inputs = Array.from({ length: 2000 }, (_, i) => ({ id: `job-${i}`, command: "true" }));
    await store.enqueue(inputs, { cwd: "/" });
    await store.close();
    const children = [1, 2, 3, 4].map((n) => spawnFixture("fixtures/claimer.ts", [home, `w${n}`]));
    const perProcess = await Promise.all(children.map(outputLines));
    const all = perProcess.flat();
    assert.equal(all.length, 2000, "claims in total");
    assert.equal(new Set(all).size, 2000, "no job claimed twice");
    assert.ok(perProcess.filter((ids) => ids.length > 0).length >= 2, "work was shared");
    const after = await JournalQueueStore.open(home);
    const counts = await after.countJobs();
    const jobs = await after.listJobs();
    await after.close();
    assert.equal(counts.completed, 2000);
    assert.ok(jobs.every((job) => job.attempts === 1 && job.history.length === 1));
  });
});

for (
  const [mode, name] of [
    [
      "enqueue",
      "4 processes batch-enqueuing 1,000 jobs each during compactions store exactly 4,000",
    ],
    [
      "submit",
      "4 processes appending 1,000 jobs each without replay, during compactions, store exactly 4,000",
    ],
  ] as const
) {
  Deno.test(name, async () => {
    await withTempHome(async (home) => {
      const setup = await JournalQueueStore.open(home);
      await setup.setConfig("compact_threshold", 16 * 1024);
      await setup.close();
      const stopFile = join(home, "stop-compacting");
      const compactor = spawnFixture("fixtures/compactor.ts", [home, stopFile]);
      const enqueuers = [1, 2, 3, 4].map(() =>
        spawnFixture("fixtures/enqueuer.ts", [home, "1000", "25", mode])
      );
      const acknowledged = (await Promise.all(enqueuers.map(outputLines))).flat();
      await Deno.writeTextFile(stopFile, "");
      const [compactions] = await outputLines(compactor);
      assert.ok(Number(compactions) > 0, "compactions ran meanwhile");
      assert.equal(acknowledged.length, 4000);
      assert.equal(new Set(acknowledged).size, 4000, "no id acknowledged twice");
      const after = await JournalQueueStore.open(home);
      const stored = (await after.listJobs()).map((job) => job.id);
      await after.close();
      assert.equal(stored.length, 4000);
      assert.deepEqual(new Set(stored), new Set(acknowledged));
      const lines = (await Deno.readTextFile(join(home, "journal.jsonl"))).trim().split("\n");
      const seqs = lines.map((line) => JSON.parse(line).seq as number);
      assert.ok(seqs.every((seq, i) => i === 0 || seq === seqs[i - 1]! + 1), "consecutive seqs");
    });
  });
}

import assert from "node:assert/strict";
import { jobLogDir } from "../../src/home/layout.ts";
import { SUCCESS, withJournalStore } from "./_store.ts";

const ctx = { cwd: "/tmp" };

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Gives a job a log folder with one attempt's log, as a worker would. */
async function writeLog(home: string, id: string): Promise<string> {
  const dir = jobLogDir(home, id);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/1.log`, `output of ${id}\n`);
  return dir;
}

Deno.test("compaction removes the logs of jobs dropped by retention and keeps the others'", async () => {
  await withJournalStore(async (store, clock, home) => {
    await store.registerWorker({ id: "w", pid: 1, host: "test-host", pstart: null });
    await store.setConfig("retention", 3600);
    const later = new Date(clock.now() + 86_400_000).toISOString();
    await store.enqueue([
      { id: "old-done", command: "true", priority: 2 },
      { id: "recent-done", command: "true", priority: 1 },
      { id: "waiting", command: "true", run_at: later },
    ], ctx);
    await store.settle((await store.claimNext("w"))!, SUCCESS);
    clock.advance(3000);
    await store.settle((await store.claimNext("w"))!, SUCCESS);
    const logs = {
      oldDone: await writeLog(home, "old-done"),
      recentDone: await writeLog(home, "recent-done"),
      waiting: await writeLog(home, "waiting"),
    };
    clock.advance(1200); // old-done finished 4200 s ago, recent-done 1200 s ago
    await store.compact();
    const ids = (await store.listJobs()).map((job) => job.id).sort();
    assert.deepEqual(ids, ["recent-done", "waiting"]);
    assert.equal(await exists(logs.oldDone), false, "dropped job's logs are gone");
    assert.equal(await exists(logs.recentDone), true, "a retained completed job keeps its logs");
    assert.equal(await exists(logs.waiting), true, "a pending job keeps its logs");
  });
});

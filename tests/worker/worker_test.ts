/**
 * The worker loop on a disk that fills up: a claim always ends in a settle or a release, and a
 * worker that can write nothing stops so that its job is recovered.
 * @module
 */

import assert from "node:assert/strict";
import { JournalQueueStore } from "../../src/queue/mod.ts";
import { Worker } from "../../src/worker/mod.ts";
import { noSpace, SimulatedStorage } from "../journal/_simulated_storage.ts";
import { waitFor, withTempHome } from "../_temp_home.ts";

const JOURNAL = /^journal\.jsonl$/;

async function startWorker(home: string, disk: SimulatedStorage, lines: string[]) {
  const store = await JournalQueueStore.open(home, { storage: disk, onWarning: () => {} });
  const worker = new Worker({ store, home, id: "w1", log: (line) => lines.push(line) });
  const running = worker.run();
  return { store, worker, running };
}

async function jobState(home: string, disk: SimulatedStorage, id: string) {
  const store = await JournalQueueStore.open(home, { storage: disk });
  try {
    return await store.getJob(id);
  } finally {
    await store.close();
  }
}

Deno.test({
  name: "a settle that fails for a moment (a full disk) is tried again and the job completes",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withTempHome(async (home) => {
      const disk = new SimulatedStorage();
      const lines: string[] = [];
      const { store, worker, running } = await startWorker(home, disk, lines);
      try {
        await store.enqueue([{ id: "j", command: "sleep 0.3" }], { cwd: home });
        await waitFor(
          "the job to start",
          async () => (await jobState(home, disk, "j")).state === "processing" || undefined,
        );
        disk.failOn({ op: "write", name: JOURNAL, error: noSpace() });
        await waitFor("a failed settle", () => lines.some((l) => /retrying/.test(l)) || undefined);
        disk.clearFaults();
        const job = await waitFor("the job to complete", async () => {
          const job = await jobState(home, disk, "j");
          return job.state === "completed" ? job : undefined;
        });
        assert.equal(job.attempts, 1);
      } finally {
        disk.clearFaults();
        worker.requestStop("drain");
        await running;
        await store.close();
      }
    });
  },
});

Deno.test({
  name:
    "a worker that can write nothing stops; once it is gone its job is recovered, the run counted",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withTempHome(async (home) => {
      const disk = new SimulatedStorage();
      const lines: string[] = [];
      const { store, running } = await startWorker(home, disk, lines);
      await store.enqueue([{ id: "j", command: "sleep 0.3" }], { cwd: home });
      await waitFor(
        "the job to start",
        async () => (await jobState(home, disk, "j")).state === "processing" || undefined,
      );
      disk.failOn({ op: "write", name: JOURNAL, error: noSpace() });
      await assert.rejects(running, /could not record how the run ended/);
      await store.close().catch(() => {});
      disk.clearFaults();
      assert.equal((await jobState(home, disk, "j")).state, "processing", "nothing was written");
      // Another process finds the worker's process gone (here: the probe says so).
      const other = await JournalQueueStore.open(home, { storage: disk });
      try {
        const report = await other.recoverLostWorkers({ probe: () => Promise.resolve(false) });
        assert.deepEqual(report, { lostWorkers: ["w1"], requeued: ["j"], dead: [] });
        const job = await other.getJob("j");
        assert.equal(job.state, "pending");
        assert.equal(job.attempts, 1);
      } finally {
        await other.close();
      }
    });
  },
});

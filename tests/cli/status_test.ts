import assert from "node:assert/strict";
import { join } from "node:path";
import { heldJobNotice } from "../../src/cli/status.ts";
import type { Job } from "../../src/queue/mod.ts";
import { waitFor } from "../_temp_home.ts";
import {
  type JobJson,
  json,
  ok,
  queuectl,
  waitForJob,
  withQueue,
  type WorkerJson,
} from "./_cli.ts";

/** The worker rows of `status`'s text: lines that start with a worker id. */
function workerRows(text: string): string[] {
  return text.split("\n").filter((line) => line.startsWith("w-"));
}

Deno.test("worker start says how many workers run in total, so starts do not stack up unseen", async () => {
  await withQueue(async (home) => {
    const first = await ok(home, ["worker", "start"]);
    assert.match(first, /^started 1 worker \(1 running in total\)\n {2}w-\S+ \(pid \d+\)\n$/);
    const second = await ok(home, ["worker", "start", "--count", "2"]);
    assert.match(
      second,
      /^started 2 workers \(3 running in total\)\n {2}w-\S+ \(pid \d+\)\n {2}w-\S+ \(pid \d+\)\n$/,
    );
    const started = await json<{ id: string; pid: number; log: string }[]>(home, [
      "worker",
      "start",
    ]);
    assert.deepEqual(Object.keys(started[0]!), ["id", "pid", "log"], "--json keeps its shape");
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("status lists live workers, hides stopped ones unless --all and says how many", async () => {
  await withQueue(async (home) => {
    await ok(home, ["worker", "start", "--count", "2"]);
    await ok(home, ["worker", "stop"]);
    await ok(home, ["worker", "start"]);
    const text = await ok(home, ["status"]);
    const rows = workerRows(text);
    assert.equal(rows.length, 1, text);
    assert.match(rows[0]!, /\srunning\s/);
    assert.match(text, /^2 stopped workers not shown \(queuectl status --all lists them\)$/m);
    const all = await ok(home, ["status", "--all"]);
    assert.deepEqual(
      workerRows(all).map((row) => row.split(/\s+/)[2]).sort(),
      ["running", "stopped", "stopped"],
    );
    assert.doesNotMatch(all, /not shown/);
    const status = await json<{ workers: WorkerJson[] }>(home, ["status"]);
    assert.equal(status.workers.length, 3, "--json lists every worker");
    await ok(home, ["worker", "stop"]);
    const none = await ok(home, ["status"]);
    assert.deepEqual(workerRows(none), []);
    assert.match(none, /no workers running .*; 3 stopped workers not shown/);
  });
});

Deno.test("status after kill -9 of the only worker shows its job held by a lost worker and what recovers it", async () => {
  await withQueue(async (home) => {
    const marker = join(home, "ran-once");
    // The first run hangs (as if the worker died mid-job); the run after recovery succeeds.
    const command = `if [ -e ${marker} ]; then echo again; else touch ${marker}; sleep 60; fi`;
    await ok(home, ["enqueue", JSON.stringify({ id: "j", command })]);
    const [worker] = await json<{ id: string; pid: number }[]>(home, ["worker", "start"]);
    await waitForJob(home, "j", (job) => job.state === "processing", "the job to start");
    Deno.kill(worker!.pid, "SIGKILL");
    await waitFor("the worker to show as lost", async () => {
      const status = await json<{ workers: WorkerJson[] }>(home, ["status"]);
      return status.workers.some((w) => w.status === "lost" && w.job === "j") || undefined;
    });
    const text = await ok(home, ["status"]);
    const [row] = workerRows(text);
    assert.match(row!, new RegExp(`^${worker!.id}\\s+${worker!.pid}\\s+lost\\s.*\\sj$`));
    assert.match(
      text,
      new RegExp(
        `^job j is held by lost worker ${worker!.id} \\(pid ${worker!.pid} gone\\); ` +
          "it returns to pending when a worker runs: queuectl worker start$",
        "m",
      ),
    );
    // What it says is what happens: a worker recovers the job, and it runs again.
    await ok(home, ["worker", "start"]);
    assert.equal((await queuectl(home, ["wait", "j", "--timeout", "30"])).code, 0);
    const job = await json<JobJson>(home, ["show", "j"]);
    assert.equal(job.attempts, 2);
    assert.doesNotMatch(await ok(home, ["status"]), /held by lost worker/);
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("heldJobNotice() says whether the job goes back to pending or to the DLQ, and what recovers it", () => {
  const job = { id: "j", attempts: 1, max_retries: 3 } as Job;
  assert.equal(
    heldJobNotice(job, "w-1", "pid 7 gone", 0),
    "job j is held by lost worker w-1 (pid 7 gone); it returns to pending when a worker runs: " +
      "queuectl worker start",
  );
  assert.equal(
    heldJobNotice({ ...job, attempts: 4 }, "w-1", "pid 7 gone", 2),
    "job j is held by lost worker w-1 (pid 7 gone); it goes to the dead letter queue " +
      "(no runs left) within seconds: a running worker recovers it",
  );
});

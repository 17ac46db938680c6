/**
 * Job slots: one worker process running several jobs at once (`worker start --concurrency N`),
 * with real workers on each store. Overlap is measured by the times the jobs write themselves.
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { waitFor } from "../_temp_home.ts";
import { intervals } from "./_runs.ts";
import {
  type JobJson,
  json,
  ok,
  queuectl,
  waitForJob,
  withQueue,
  type WorkerJson,
} from "./_cli.ts";

/** A job that writes when it starts and ends, and takes `seconds` in between. */
function timed(log: string, id: string, seconds: number, queue?: string) {
  const command = `echo "start ${id} $(date +%s%N)" >> ${log}; sleep ${seconds}; ` +
    `echo "end ${id} $(date +%s%N)" >> ${log}`;
  return JSON.stringify({ id, command, ...(queue ? { queue } : {}) });
}

/** The most runs in progress at one instant. */
function mostAtOnce(runs: [bigint, bigint][]): number {
  const events = runs.flatMap(([start, end]) => [[start, 1], [end, -1]] as [bigint, number][]);
  events.sort((a, b) => (a[0] === b[0] ? a[1] - b[1] : Number(a[0] - b[0])));
  let now = 0;
  let most = 0;
  for (const [, step] of events) most = Math.max(most, now += step);
  return most;
}

async function runningWorkers(home: string): Promise<WorkerJson[]> {
  const { workers } = await json<{ workers: WorkerJson[] }>(home, ["status"]);
  return workers.filter((w) => w.status === "running");
}

Deno.test("one worker process with --concurrency 3 runs three jobs at once, never four", async () => {
  await withQueue(async (home) => {
    const log = join(home, "runs.log");
    const ids = Array.from({ length: 7 }, (_, i) => `j${i}`);
    await ok(home, ["enqueue", "--file", "-"], {
      stdin: ids.map((id) => timed(log, id, 0.6)).join("\n"),
    });
    await ok(home, ["worker", "start", "--concurrency", "3"]);
    assert.equal((await queuectl(home, ["wait", ...ids, "--timeout", "60"])).code, 0);
    const runs = [...(await intervals(log)).values()];
    assert.equal(runs.length, 7);
    assert.equal(mostAtOnce(runs), 3);
    const workers = await runningWorkers(home);
    assert.equal(workers.length, 1, "one process ran them all");
    for (const id of ids) assert.equal((await json<JobJson>(home, ["show", id])).attempts, 1);
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("status shows every job a worker with slots runs, also from a compacted journal", async () => {
  await withQueue(async (home) => {
    const ids = ["a", "b", "c"];
    await ok(home, ["enqueue", "--file", "-"], {
      stdin: ids.map((id) => JSON.stringify({ id, command: "sleep 30" })).join("\n"),
    });
    await ok(home, ["worker", "start", "--concurrency", "3"]);
    const jobsShown = async () => {
      const [worker] = await runningWorkers(home);
      return worker ? [...worker.jobs].sort() : [];
    };
    await waitFor(
      "all three jobs to run",
      async () => (await jobsShown()).length === 3 || undefined,
    );
    assert.deepEqual(await jobsShown(), ids);
    const [worker] = await runningWorkers(home);
    assert.ok(ids.includes(worker!.job!), "job is one of them");
    const table = await ok(home, ["status"], { env: { COLUMNS: "200" } });
    const row = table.split("\n").find((line) => line.includes(worker!.id))!;
    for (const id of ids) assert.match(row, new RegExp(`\\b${id}\\b`), row);
    // A compaction snapshots the worker with its jobs; `status` then reads the snapshot.
    await ok(home, ["compact"]);
    assert.deepEqual(await jobsShown(), ids);
    await ok(home, ["cancel", "b"]);
    await waitFor("the canceled job to leave the worker", async () => {
      const shown = await jobsShown();
      return shown.length === 2 ? shown : undefined;
    }).then((shown) => assert.deepEqual(shown, ["a", "c"]));
    await ok(home, ["worker", "stop", "--now"]);
  });
});

Deno.test("slots honour a queue's cap: two slots, a queue capped at 1, never two of it at once", async () => {
  await withQueue(async (home) => {
    const log = join(home, "runs.log");
    await ok(home, ["queue", "set", "backups", "--concurrency", "1"]);
    const ids = Array.from({ length: 4 }, (_, i) => `b${i}`);
    await ok(home, ["enqueue", "--file", "-"], {
      stdin: ids.map((id) => timed(log, id, 0.3, "backups")).join("\n"),
    });
    await ok(home, ["worker", "start", "--count", "2", "--concurrency", "2"]);
    assert.equal((await queuectl(home, ["wait", ...ids, "--timeout", "60"])).code, 0);
    const runs = [...(await intervals(log)).values()];
    assert.equal(runs.length, 4);
    assert.equal(mostAtOnce(runs), 1);
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("slots: a cancel kills only its job; stop --now kills and requeues the rest", async () => {
  await withQueue(async (home) => {
    await ok(home, ["enqueue", "--file", "-"], {
      stdin: ["a", "b", "c"].map((id) => JSON.stringify({ id, command: "sleep 30" })).join("\n"),
    });
    await ok(home, ["worker", "start", "--concurrency", "3"]);
    for (const id of ["a", "b", "c"]) {
      await waitForJob(home, id, (job) => job.state === "processing", `${id} to start`);
    }
    await ok(home, ["cancel", "b"]);
    await waitForJob(home, "b", (job) => job.state === "canceled", "b to be canceled");
    for (const id of ["a", "c"]) {
      assert.equal((await json<JobJson>(home, ["show", id])).state, "processing", `${id} runs on`);
    }
    await ok(home, ["worker", "stop", "--now"]);
    for (const id of ["a", "c"]) {
      const job = await waitForJob(home, id, (j) => j.state === "pending", `${id} requeued`);
      assert.equal(job.attempts, 0, "a stop --now does not count the run");
    }
    await waitFor(
      "the worker to stop",
      async () => (await runningWorkers(home)).length === 0 || undefined,
    );
  });
});

Deno.test("slots: each job's timeout is its own; a drain lets every running job finish", async () => {
  await withQueue(async (home) => {
    await ok(home, ["enqueue", "--file", "-"], {
      stdin: [
        JSON.stringify({ id: "slow", command: "sleep 30", timeout: 1, max_retries: 0 }),
        JSON.stringify({ id: "ok1", command: "sleep 2" }),
        JSON.stringify({ id: "ok2", command: "sleep 2" }),
      ].join("\n"),
    });
    await ok(home, ["worker", "start", "--concurrency", "3"]);
    const slow = await waitForJob(home, "slow", (job) => job.state === "dead", "slow to time out");
    assert.match(slow.last_error ?? "", /timed out after 1s/);
    for (const id of ["ok1", "ok2"]) {
      assert.equal((await json<JobJson>(home, ["show", id])).state, "processing", `${id} runs on`);
    }
    await ok(home, ["worker", "stop"]);
    for (const id of ["ok1", "ok2"]) {
      await waitForJob(home, id, (job) => job.state === "completed", `${id} to finish`);
    }
  });
});

Deno.test("slots: a worker killed with three jobs running has all three recovered by another", async () => {
  await withQueue(async (home) => {
    await ok(home, ["config", "set", "stall_timeout", "3"]);
    await ok(home, ["enqueue", "--file", "-"], {
      stdin: ["a", "b", "c"].map((id) =>
        JSON.stringify({ id, command: `[ "$QUEUECTL_ATTEMPT" -gt 1 ] || sleep 30` })
      ).join("\n"),
    });
    await ok(home, ["worker", "start", "--concurrency", "3"]);
    for (const id of ["a", "b", "c"]) {
      await waitForJob(home, id, (job) => job.state === "processing", `${id} to start`);
    }
    const [victim] = await runningWorkers(home);
    Deno.kill(victim!.pid, "SIGKILL");
    await ok(home, ["worker", "start"]);
    assert.equal((await queuectl(home, ["wait", "a", "b", "c", "--timeout", "60"])).code, 0);
    for (const id of ["a", "b", "c"]) {
      const job = await json<JobJson>(home, ["show", id]);
      assert.equal(job.attempts, 2, `${id} ran again once`);
    }
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("--concurrency must be a whole number from 1 to 256: exit 2, nothing started", async () => {
  await withQueue(async (home) => {
    for (const bad of ["0", "-1", "1.5", "x", "257"]) {
      const result = await queuectl(home, ["worker", "start", "--concurrency", bad]);
      assert.equal(result.code, 2, `${bad}: ${result.stderr}`);
      assert.match(result.stderr, /--concurrency/);
      assert.equal(result.stderr.trim().split("\n").length <= 2, true, result.stderr);
    }
    assert.deepEqual((await json<{ workers: WorkerJson[] }>(home, ["status"])).workers, []);
  });
});

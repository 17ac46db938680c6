/**
 * Named queues with real workers: a cap of 1 across three worker processes never overlaps, a
 * paused queue waits while the others run, and workers started for some queues take only theirs.
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { intervals } from "./_runs.ts";
import { type JobJson, json, ok, queuectl, waitForJob, withQueue } from "./_cli.ts";

Deno.test("a queue capped at 1 runs one job at a time across three worker processes", async () => {
  await withQueue(async (home) => {
    const log = join(home, "runs.log");
    await ok(home, ["queue", "set", "backups", "--concurrency", "1"]);
    const ids = Array.from({ length: 6 }, (_, i) => `backup-${i}`);
    const command = (id: string) =>
      `echo "start ${id} $(date +%s%N)" >> ${log}; sleep 0.2; echo "end ${id} $(date +%s%N)" >> ${log}`;
    await ok(home, ["enqueue", "--file", "-"], {
      stdin: ids.map((id) => JSON.stringify({ id, command: command(id), queue: "backups" }))
        .join("\n"),
    });
    await ok(home, ["enqueue", "--queue", "convert", "--id", "conv", "--", "true"]);
    await ok(home, ["worker", "start", "--count", "3"]);
    assert.equal((await queuectl(home, ["wait", ...ids, "conv", "--timeout", "60"])).code, 0);
    const runs = [...(await intervals(log)).values()].sort((a, b) => Number(a[0] - b[0]));
    assert.equal(runs.length, 6);
    for (let i = 1; i < runs.length; i++) {
      assert.ok(runs[i]![0] >= runs[i - 1]![1], `run ${i} started before run ${i - 1} ended`);
    }
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("a paused queue waits while others run; resumed, it runs; the pause outlives a restart", async () => {
  await withQueue(async (home) => {
    await ok(home, ["queue", "pause", "held"]);
    await ok(home, ["enqueue", "--queue", "held", "--id", "h", "--", "true"]);
    await ok(home, ["enqueue", "--id", "free", "--", "true"]);
    await ok(home, ["worker", "start"]);
    assert.equal((await queuectl(home, ["wait", "free", "--timeout", "20"])).code, 0);
    await ok(home, ["worker", "stop"]);
    await ok(home, ["worker", "start"]);
    assert.equal((await queuectl(home, ["wait", "h", "--timeout", "1"])).code, 124, "still held");
    const queues = await json<{ name: string; paused: boolean; pending: number }[]>(home, [
      "queue",
      "list",
    ]);
    assert.deepEqual(
      queues.find((q) => q.name === "held"),
      { ...queues.find((q) => q.name === "held")!, paused: true, pending: 1 },
    );
    await ok(home, ["queue", "resume", "held"]);
    assert.equal((await queuectl(home, ["wait", "h", "--timeout", "20"])).code, 0);
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("workers started with --queue take only those queues; status shows the queues", async () => {
  await withQueue(async (home) => {
    await ok(home, ["enqueue", "--queue", "convert", "--id", "c", "--", "true"]);
    await ok(home, ["enqueue", "--queue", "backups", "--id", "b", "--", "true"]);
    await ok(home, ["worker", "start", "--queue", "convert"]);
    await waitForJob(home, "c", (j) => j.state === "completed", "the convert job");
    assert.equal((await json<JobJson>(home, ["show", "b"])).state, "pending");
    const status = await json<{ queues: { name: string; pending: number }[] }>(home, ["status"]);
    assert.deepEqual(
      status.queues.map((q) => [q.name, q.pending]),
      [["default", 0], ["backups", 1], ["convert", 0]],
    );
    assert.match(await ok(home, ["status"]), /QUEUE\s+PENDING\s+RUNNING/);
    assert.equal((await queuectl(home, ["queue", "set", "x/y", "--concurrency", "1"])).code, 2);
    assert.equal((await queuectl(home, ["queue", "set", "q"])).code, 2);
    await ok(home, ["worker", "stop"]);
  });
});

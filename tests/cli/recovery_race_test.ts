/**
 * Recovery must never take a job from a live worker. A slow lock holder (here `flock` holding
 * `queue.lock` for 5 s, as a reload of a big journal after a compaction would) makes every
 * worker's heartbeat late; that alone must not get a healthy job killed, sent to the DLQ or run
 * twice at once.
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { type JobJson, json, ok, queuectl, waitForJob, withJournalQueue } from "./_cli.ts";

Deno.test("a slow lock holder does not make live workers look dead: no kill, no overlap, no loss", async () => {
  await withJournalQueue(async (home) => {
    await ok(home, ["config", "set", "stall_timeout", "3"]);
    const locks = join(home, "locks");
    const overlaps = join(home, "overlaps");
    await Deno.mkdir(locks);
    const ids = ["a", "b", "c"];
    // A second run of a job while the first still holds its lock is an overlap.
    const jobs = ids.map((id) =>
      JSON.stringify({
        id,
        command: `flock -n ${locks}/${id} sleep 12 || echo ${id} >> ${overlaps}`,
        max_retries: 3,
      })
    ).join("\n");
    await ok(home, ["enqueue", "--file", "-"], { stdin: jobs });
    await ok(home, ["worker", "start", "--count", "4"]);
    for (const id of ids) {
      await waitForJob(home, id, (j) => j.state === "processing", `${id} to start`);
    }
    // Three long stalls of every writer, each longer than stall_timeout.
    for (let round = 0; round < 3; round++) {
      const holder = await new Deno.Command("flock", {
        args: [join(home, "queue.lock"), "sleep", "4"],
      }).output();
      assert.ok(holder.success);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const wait = await queuectl(home, ["wait", ...ids, "--timeout", "60"]);
    assert.equal(wait.code, 0, `every job completed: ${wait.stderr}`);
    assert.equal(await Deno.readTextFile(overlaps).catch(() => ""), "", "no job ran twice at once");
    for (const id of ids) {
      const job = await json<JobJson>(home, ["show", id]);
      assert.deepEqual(job.history.map((a) => a.outcome), ["completed"], `${id} ran once`);
    }
    const status = await json<{ workers: { status: string }[] }>(home, ["status"]);
    assert.deepEqual(status.workers.filter((w) => w.status === "lost"), [], "no worker lost");
    await ok(home, ["worker", "stop", "--timeout", "60"]);
  });
});

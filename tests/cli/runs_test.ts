/**
 * Every run of a job has its own number and its own log: a run stopped with `--now` (not counted
 * as an attempt) and the runs after a retry (attempts reset) never reuse a number.
 * @module
 */

import assert from "node:assert/strict";
import { type JobJson, json, ok, queuectl, waitForJob, withQueue } from "./_cli.ts";

Deno.test("a run stopped with --now keeps its number and log; the next run gets the next number", async () => {
  await withQueue(async (home) => {
    const command =
      'echo "run $QUEUECTL_RUN attempt $QUEUECTL_ATTEMPT"; sleep $((4 - QUEUECTL_RUN * 2))';
    await ok(home, ["enqueue", JSON.stringify({ id: "j", command })]);
    await ok(home, ["worker", "start"]);
    await waitForJob(home, "j", (j) => j.state === "processing", "the first run");
    await ok(home, ["worker", "stop", "--now"]);
    await ok(home, ["worker", "start"]);
    assert.equal((await queuectl(home, ["wait", "j", "--timeout", "20"])).code, 0);
    const job = await json<JobJson>(home, ["show", "j"]);
    assert.equal(job.attempts, 1, "the stopped run is not counted");
    assert.equal(job.runs, 2);
    assert.deepEqual(job.history.map((a) => [a.attempt, a.outcome]), [[1, "requeued"], [
      2,
      "completed",
    ]]);
    assert.equal(await ok(home, ["logs", "j", "--attempt", "1"]), "run 1 attempt 1\n");
    assert.equal(await ok(home, ["logs", "j"]), "run 2 attempt 1\n");
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("a retried dead job's runs go on numbering: no log is overwritten", async () => {
  await withQueue(async (home) => {
    await ok(home, [
      "enqueue",
      JSON.stringify({ id: "j", command: 'echo "run $QUEUECTL_RUN"; exit 1', max_retries: 0 }),
    ]);
    await ok(home, ["worker", "start"]);
    assert.equal((await queuectl(home, ["wait", "j", "--timeout", "20"])).code, 1);
    await ok(home, ["dlq", "retry", "j"]);
    assert.equal((await queuectl(home, ["wait", "j", "--timeout", "20"])).code, 1);
    const job = await json<JobJson>(home, ["show", "j"]);
    assert.equal(job.attempts, 1);
    assert.deepEqual(job.history.map((a) => a.attempt), [1, 2]);
    assert.equal(await ok(home, ["logs", "j", "--attempt", "1"]), "run 1\n");
    assert.equal(await ok(home, ["logs", "j", "--attempt", "2"]), "run 2\n");
    await ok(home, ["worker", "stop"]);
  });
});

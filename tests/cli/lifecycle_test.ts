import assert from "node:assert/strict";
import { join } from "node:path";
import { type JobJson, json, ok, queuectl, withQueue, type WorkerJson } from "./_cli.ts";

Deno.test("a job completes and its output is in its log", async () => {
  await withQueue(async (home) => {
    const id = (await ok(home, ["enqueue", '{"command":"echo hello; echo oops >&2"}'])).trim();
    assert.match(id, /^[0-9A-Z]{26}$/);
    await ok(home, ["worker", "start"]);
    const wait = await queuectl(home, ["wait", id, "--timeout", "20"]);
    assert.equal(wait.code, 0, wait.stderr);
    const job = await json<JobJson>(home, ["show", id]);
    assert.equal(job.state, "completed");
    assert.equal(job.attempts, 1);
    assert.equal(job.exit_code, 0);
    assert.equal(await ok(home, ["logs", id]), "hello\noops\n");
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("a failing job retries with backoff and lands in the DLQ with attempts = max_retries + 1", async () => {
  await withQueue(async (home) => {
    await ok(home, ["config", "set", "backoff-base", "1.3"]);
    await ok(home, ["enqueue", '{"id":"flaky","command":"echo no >&2; exit 3","max_retries":2}']);
    await ok(home, ["worker", "start"]);
    const wait = await queuectl(home, ["wait", "flaky", "--timeout", "30"]);
    assert.equal(wait.code, 1, "wait exits 1 when a job is dead");
    const job = await json<JobJson>(home, ["show", "flaky"]);
    assert.equal(job.state, "dead");
    assert.equal(job.attempts, 3);
    assert.equal(job.exit_code, 3);
    assert.equal(job.last_error, "exit code 3: no");
    const h = job.history;
    assert.deepEqual(h.map((a) => a.outcome), ["failed", "failed", "failed"]);
    const gap = (n: number) =>
      (Date.parse(h[n]!.started_at) - Date.parse(h[n - 1]!.finished_at!)) / 1000;
    assert.ok(gap(1) >= 1.3 - 0.01, `first retry waited ${gap(1)}s`);
    assert.ok(gap(2) >= 1.69 - 0.01, `second retry waited ${gap(2)}s`);
    const dlq = await json<JobJson[]>(home, ["dlq", "list"]);
    assert.deepEqual(dlq.map((j) => j.id), ["flaky"]);
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("dlq retry moves a dead job back to pending with attempts reset, and it runs again", async () => {
  await withQueue(async (home) => {
    const marker = join(home, "fixed");
    await ok(home, [
      "enqueue",
      JSON.stringify({ id: "j", command: `test -e ${marker}`, max_retries: 0 }),
    ]);
    await ok(home, ["worker", "start"]);
    assert.equal((await queuectl(home, ["wait", "j", "--timeout", "20"])).code, 1);
    await ok(home, ["worker", "stop"]);
    await Deno.writeTextFile(marker, "");
    const retried = await json<JobJson>(home, ["dlq", "retry", "j"]);
    assert.equal(retried.state, "pending");
    assert.equal(retried.attempts, 0);
    assert.deepEqual(await json(home, ["dlq", "list"]), []);
    await ok(home, ["worker", "start"]);
    assert.equal((await queuectl(home, ["wait", "j", "--timeout", "20"])).code, 0);
    const job = await json<JobJson>(home, ["show", "j"]);
    assert.equal(job.state, "completed");
    assert.equal(job.attempts, 1);
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("an unknown command fails with exit 127 recorded and the worker carries on", async () => {
  await withQueue(async (home) => {
    await ok(home, ["enqueue", '{"id":"bad","command":"no_such_command_xyz","max_retries":0}']);
    await ok(home, ["enqueue", '{"id":"good","command":"echo fine"}']);
    await ok(home, ["worker", "start"]);
    assert.equal((await queuectl(home, ["wait", "--timeout", "20"])).code, 1);
    const bad = await json<JobJson>(home, ["show", "bad"]);
    assert.equal(bad.state, "dead");
    assert.equal(bad.exit_code, 127);
    assert.match(bad.last_error!, /^exit code 127 \(command not found\): .*no_such_command_xyz/);
    assert.equal((await json<JobJson>(home, ["show", "good"])).state, "completed");
    const status = await json<{ workers: WorkerJson[] }>(home, ["status"]);
    assert.deepEqual(status.workers.map((w) => w.status), ["running"]);
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("several workers process many jobs and none runs twice", async () => {
  await withQueue(async (home) => {
    const effects = join(home, "effects");
    const lines = Array.from(
      { length: 150 },
      (_, i) =>
        JSON.stringify({ id: `job-${i}`, command: `echo "$QUEUECTL_JOB_ID" >> ${effects}` }),
    );
    await ok(home, ["enqueue", "--file", "-"], { stdin: lines.join("\n") + "\n" });
    const started = await json<{ id: string }[]>(home, ["worker", "start", "--count", "4"]);
    assert.equal(started.length, 4);
    assert.equal((await queuectl(home, ["wait", "--timeout", "60"])).code, 0);
    const ran = (await Deno.readTextFile(effects)).trim().split("\n");
    assert.equal(ran.length, 150);
    assert.equal(new Set(ran).size, 150);
    const jobs = await json<JobJson[]>(home, ["list"]);
    assert.ok(jobs.every((job) => job.state === "completed" && job.attempts === 1));
    const workersUsed = new Set(jobs.map((job) => job.worker_id));
    assert.ok(workersUsed.size >= 2, `work spread over ${workersUsed.size} worker(s)`);
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("jobs and their states survive worker restarts", async () => {
  await withQueue(async (home) => {
    await ok(home, ["enqueue", '{"id":"first","command":"true"}']);
    await ok(home, ["enqueue", '{"id":"dead","command":"false","max_retries":0}']);
    await ok(home, ["worker", "start", "--count", "2"]);
    await queuectl(home, ["wait", "--timeout", "20"]);
    await ok(home, ["worker", "stop"]);
    await ok(home, ["enqueue", '{"id":"second","command":"true"}']);
    const states = async () =>
      Object.fromEntries((await json<JobJson[]>(home, ["list"])).map((j) => [j.id, j.state]));
    assert.deepEqual(await states(), { first: "completed", dead: "dead", second: "pending" });
    await ok(home, ["worker", "start"]);
    await queuectl(home, ["wait", "second", "--timeout", "20"]);
    await ok(home, ["worker", "stop"]);
    assert.deepEqual(await states(), { first: "completed", dead: "dead", second: "completed" });
    const status = await json<{ jobs: Record<string, number> }>(home, ["status"]);
    assert.deepEqual(status.jobs, {
      pending: 0,
      waiting: 0,
      processing: 0,
      completed: 2,
      failed: 0,
      dead: 1,
      canceled: 0,
      total: 3,
    });
  });
});

/**
 * Every claim ends in a settle or a requeue, whatever fails; runs that are killed take everything
 * they started with them; only `--now` (or a second Ctrl-C) kills a running job.
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { processStartTime } from "../../src/worker/liveness.ts";
import { waitFor } from "../_temp_home.ts";
import { type JobJson, json, ok, queuectl, waitForJob, withQueue } from "./_cli.ts";

/** Whether a process exists (a zombie counts as gone: nobody will wait for it). */
async function processAlive(pid: number): Promise<boolean> {
  // Deno reads /proc only with --allow-all: the worker's own helper reads it through `cat`.
  return (await processStartTime(pid)) !== null;
}

async function readPid(path: string): Promise<number> {
  return await waitFor(`a pid in ${path}`, async () => {
    const text = await Deno.readTextFile(path).catch(() => "");
    const pid = Number(text.trim());
    return Number.isSafeInteger(pid) && pid > 1 ? pid : undefined;
  });
}

async function assertGone(pid: number, what: string): Promise<void> {
  try {
    await waitFor(
      `${what} (pid ${pid}) to be killed`,
      async () => !(await processAlive(pid)) || undefined,
      10_000,
    );
  } finally {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // Gone, as it should be.
    }
  }
}

Deno.test("a job whose log folder cannot be made fails its run instead of staying processing", async () => {
  await withQueue(async (home) => {
    // A file where logs/<id> should be a directory.
    await Deno.mkdir(join(home, "logs"), { recursive: true, mode: 0o700 });
    await ok(home, ["enqueue", '{"id":"j","command":"true","max_retries":0}']);
    await Deno.writeTextFile(join(home, "logs", "j"), "in the way\n", { mode: 0o600 });
    await ok(home, ["worker", "start"]);
    const wait = await queuectl(home, ["wait", "j", "--timeout", "20"]);
    assert.equal(wait.code, 1, `the job is dead, not stuck: ${wait.stderr}`);
    const job = await json<JobJson>(home, ["show", "j"]);
    assert.equal(job.state, "dead");
    assert.match(job.last_error!, /^cannot start: cannot create log/);
    // The worker went on: a second job runs.
    await ok(home, ["enqueue", '{"id":"k","command":"true"}']);
    assert.equal((await queuectl(home, ["wait", "k", "--timeout", "20"])).code, 0);
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("a job's own PATH does not stop it from starting: it is told what is missing", async () => {
  await withQueue(async (home) => {
    await ok(home, [
      "enqueue",
      '{"id":"j","command":"echo started; ls","max_retries":0,"env":{"PATH":"/nonexistent"}}',
    ]);
    await ok(home, ["worker", "start"]);
    assert.equal((await queuectl(home, ["wait", "j", "--timeout", "20"])).code, 1);
    const job = await json<JobJson>(home, ["show", "j"]);
    assert.match(
      job.last_error!,
      /^exit code 127 \(command not found\): started\n.*ls.*not found/s,
    );
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("a second plain worker stop does not kill the running job", async () => {
  await withQueue(async (home) => {
    const done = join(home, "done");
    await ok(home, ["enqueue", JSON.stringify({ id: "slow", command: `sleep 2; touch ${done}` })]);
    await ok(home, ["worker", "start"]);
    await waitForJob(home, "slow", (j) => j.state === "processing", "the job to start");
    for (let i = 0; i < 2; i++) {
      const stop = await queuectl(home, ["worker", "stop", "--timeout", "0.3"]);
      assert.equal(stop.code, 1, "the worker is still draining");
    }
    await waitForJob(home, "slow", (j) => j.state === "completed", "the job to finish");
    const job = await json<JobJson>(home, ["show", "slow"]);
    assert.equal(job.attempts, 1);
    assert.deepEqual(job.history.map((a) => a.outcome), ["completed"]);
    await Deno.stat(done);
    await ok(home, ["worker", "stop", "--timeout", "20"]);
  });
});

for (
  const [name, escape] of <[string, string][]> [
    ["set -m", "bash -c 'set -m; sleep 300 & echo $! > PIDFILE; wait'"],
    ["setsid", "setsid sleep 300 & echo $! > PIDFILE; wait"],
  ]
) {
  Deno.test(`a process that left the job's group (${name}) dies with the job on timeout`, async () => {
    await withQueue(async (home) => {
      const pidFile = join(home, "escapee.pid");
      const command = escape.replace("PIDFILE", pidFile);
      await ok(home, ["enqueue", JSON.stringify({ id: "j", command, timeout: 1, max_retries: 0 })]);
      await ok(home, ["worker", "start"]);
      const pid = await readPid(pidFile);
      assert.equal((await queuectl(home, ["wait", "j", "--timeout", "30"])).code, 1);
      assert.match((await json<JobJson>(home, ["show", "j"])).last_error!, /^timed out after 1s/);
      await assertGone(pid, "the escaped process");
      await ok(home, ["worker", "stop"]);
    });
  });
}

Deno.test("worker stop --now kills a process that left the job's group", async () => {
  await withQueue(async (home) => {
    const pidFile = join(home, "escapee.pid");
    await ok(home, [
      "enqueue",
      JSON.stringify({ id: "j", command: `setsid sleep 300 & echo $! > ${pidFile}; wait` }),
    ]);
    await ok(home, ["worker", "start"]);
    const pid = await readPid(pidFile);
    await ok(home, ["worker", "stop", "--now", "--timeout", "20"]);
    await assertGone(pid, "the escaped process");
    assert.equal((await json<JobJson>(home, ["show", "j"])).state, "pending");
  });
});

Deno.test("a job longer than 24.8 days of timeout is not killed at once (timer overflow)", async () => {
  await withQueue(async (home) => {
    await ok(home, ["enqueue", '{"id":"j","command":"sleep 1","timeout":2592000,"max_retries":0}']);
    await ok(home, ["worker", "start"]);
    assert.equal((await queuectl(home, ["wait", "j", "--timeout", "20"])).code, 0);
    await ok(home, ["worker", "stop"]);
  });
});

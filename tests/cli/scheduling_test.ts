import assert from "node:assert/strict";
import { join } from "node:path";
import { waitFor } from "../_temp_home.ts";
import {
  type JobJson,
  json,
  ok,
  queuectl,
  storeEnv,
  waitForJob,
  withQueue,
  type WorkerJson,
} from "./_cli.ts";

async function workers(home: string): Promise<WorkerJson[]> {
  return (await json<{ workers: WorkerJson[] }>(home, ["status"])).workers;
}

function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

Deno.test("higher priority runs first, FIFO among equals", async () => {
  await withQueue(async (home) => {
    const order = join(home, "order");
    const job = (id: string, priority: number) =>
      JSON.stringify({ id, priority, command: `echo ${id} >> ${order}` });
    const batch = [job("a", 0), job("b", 0), job("urgent", 10), job("c", 0), job("soon", 5)];
    await ok(home, ["enqueue", "--file", "-"], { stdin: batch.join("\n") });
    await ok(home, ["enqueue", job("d", 0)]);
    await ok(home, ["worker", "start"]);
    assert.equal((await queuectl(home, ["wait", "--timeout", "20"])).code, 0);
    assert.deepEqual((await Deno.readTextFile(order)).trim().split("\n"), [
      "urgent",
      "soon",
      "a",
      "b",
      "c",
      "d",
    ]);
  });
});

Deno.test("a job is not started before its run_at", async () => {
  await withQueue(async (home) => {
    await ok(home, ["worker", "start"]);
    const runAt = new Date(Date.now() + 1500).toISOString();
    await ok(home, ["enqueue", JSON.stringify({ id: "later", command: "true", run_at: runAt })]);
    await ok(home, ["enqueue", '{"id":"now","command":"true"}']);
    assert.equal((await queuectl(home, ["wait", "--timeout", "20"])).code, 0);
    const later = await json<JobJson>(home, ["show", "later"]);
    const now = await json<JobJson>(home, ["show", "now"]);
    assert.ok(Date.parse(later.started_at!) >= Date.parse(runAt), `${later.started_at} < ${runAt}`);
    assert.ok(Date.parse(now.started_at!) < Date.parse(runAt));
  });
});

Deno.test("a timeout kills the whole process tree", async () => {
  await withQueue(async (home) => {
    const pidFile = join(home, "grandchild.pid");
    const command = `sleep 60 & echo $! > ${pidFile}; sleep 60`;
    await ok(home, [
      "enqueue",
      JSON.stringify({ id: "slow", command, timeout: 1, max_retries: 0 }),
    ]);
    await ok(home, ["worker", "start"]);
    assert.equal((await queuectl(home, ["wait", "slow", "--timeout", "20"])).code, 1);
    const job = await json<JobJson>(home, ["show", "slow"]);
    assert.equal(job.state, "dead");
    assert.equal(job.last_error, "timed out after 1s");
    assert.equal(job.history[0]!.outcome, "timed_out");
    const grandchild = Number(await Deno.readTextFile(pidFile));
    await waitFor(
      "the background sleep to be gone",
      () => alive(grandchild) ? undefined : true,
      5000,
    );
  });
});

Deno.test("worker stop lets a running job finish", async () => {
  await withQueue(async (home) => {
    const marker = join(home, "finished");
    await ok(home, [
      "enqueue",
      JSON.stringify({ id: "j", command: `sleep 1; echo done > ${marker}` }),
    ]);
    await ok(home, ["worker", "start"]);
    await waitForJob(home, "j", (job) => job.state === "processing", "the job to start");
    await ok(home, ["worker", "stop"]);
    assert.equal(await Deno.readTextFile(marker), "done\n");
    assert.equal((await json<JobJson>(home, ["show", "j"])).state, "completed");
    assert.deepEqual((await workers(home)).map((w) => w.status), ["stopped"]);
  });
});

Deno.test("worker stop --now kills the running job and requeues it uncounted", async () => {
  await withQueue(async (home) => {
    const marker = join(home, "finished");
    await ok(home, ["enqueue", JSON.stringify({ id: "j", command: `sleep 30; touch ${marker}` })]);
    await ok(home, ["worker", "start"]);
    await waitForJob(home, "j", (job) => job.state === "processing", "the job to start");
    const started = Date.now();
    await ok(home, ["worker", "stop", "--now"]);
    assert.ok(Date.now() - started < 10_000, "did not wait for the job");
    const job = await json<JobJson>(home, ["show", "j"]);
    assert.equal(job.state, "pending");
    assert.equal(job.attempts, 0);
    assert.equal(job.history.at(-1)!.outcome, "requeued");
    await assert.rejects(Deno.stat(marker));
  });
});

Deno.test("a worker killed with -9 mid-job: its job is recovered and completes", async () => {
  await withQueue(async (home) => {
    const runs = join(home, "runs");
    await ok(home, [
      "enqueue",
      JSON.stringify({ id: "j", command: `echo run >> ${runs}; sleep 2` }),
    ]);
    await ok(home, ["worker", "start"]);
    await waitForJob(home, "j", (job) => job.state === "processing", "the job to start");
    const [victim] = await workers(home);
    Deno.kill(victim!.pid, "SIGKILL");
    await ok(home, ["worker", "start"]);
    const job = await waitForJob(home, "j", (j) => j.state === "completed", "recovery", 30_000);
    assert.equal(job.attempts, 2, "the interrupted run counts as an attempt");
    assert.deepEqual(job.history.map((a) => a.outcome), ["lost", "completed"]);
    assert.equal((await Deno.readTextFile(runs)).trim().split("\n").length, 2);
    const states = Object.fromEntries((await workers(home)).map((w) => [w.id, w.status]));
    assert.equal(states[victim!.id], "lost");
  });
});

Deno.test("wait exits 0 when all completed, 1 when any is dead, 124 on timeout, 3 for unknown ids", async () => {
  await withQueue(async (home) => {
    await ok(home, ["enqueue", '{"id":"good","command":"true"}']);
    await ok(home, ["enqueue", '{"id":"bad","command":"false","max_retries":0}']);
    await ok(home, ["enqueue", '{"id":"later","command":"true","run_at":"2099-01-01T00:00:00Z"}']);
    await ok(home, ["worker", "start"]);
    assert.equal((await queuectl(home, ["wait", "good", "--timeout", "20"])).code, 0);
    assert.equal((await queuectl(home, ["wait", "good", "bad", "--timeout", "20"])).code, 1);
    const timedOut = await queuectl(home, ["wait", "later", "--timeout", "0.3"]);
    assert.equal(timedOut.code, 124);
    assert.match(timedOut.stderr, /Timed out after 0.3s with 1 job\(s\) unfinished/);
    const unknown = await queuectl(home, ["wait", "nope"]);
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /No job with id "nope"/);
  });
});

Deno.test("worker start --foreground runs until SIGTERM, then drains and exits 0", async () => {
  await withQueue(async (home) => {
    const marker = join(home, "finished");
    const { PERMISSION_FLAGS } = await import("../../src/permissions.ts");
    const main = new URL("../../main.ts", import.meta.url).pathname;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--no-prompt",
        ...PERMISSION_FLAGS,
        main,
        "--home",
        home,
        "worker",
        "start",
        "--foreground",
        "--count",
        "2",
      ],
      stdout: "null",
      stderr: "piped",
      env: storeEnv(home),
    }).spawn();
    await ok(home, [
      "enqueue",
      JSON.stringify({ id: "j", command: `sleep 1; echo done > ${marker}` }),
    ]);
    await waitForJob(home, "j", (job) => job.state === "processing", "the job to start");
    const stderr = new Response(child.stderr).text();
    child.kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("foreground workers did not stop")), 30_000);
    });
    const { code } = await Promise.race([child.status, deadline]).finally(() =>
      clearTimeout(timer)
    );
    const log = await stderr;
    assert.equal(code, 0, log);
    assert.match(log, /job j run 1 completed/);
    assert.equal(await Deno.readTextFile(marker), "done\n");
    assert.deepEqual((await workers(home)).map((w) => w.status), ["stopped", "stopped"]);
  });
});

/**
 * Dependencies, cancel, retry and unique keys end to end: queuectl as a user runs it, with real
 * workers running real shell jobs. Every wait is on a condition with a deadline.
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { processStartTime } from "../../src/worker/liveness.ts";
import { waitFor } from "../_temp_home.ts";
import { type JobJson, json, ok, queuectl, storeContents, waitForJob, withQueue } from "./_cli.ts";

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

async function assertGone(pid: number, what: string, timeoutMs: number): Promise<void> {
  try {
    await waitFor(
      `${what} (pid ${pid}) to be killed`,
      async () => !(await processAlive(pid)) || undefined,
      timeoutMs,
    );
  } finally {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // Gone, as it should be.
    }
  }
}

/** The ids `list --json` prints for one state, sorted. */
async function idsIn(home: string, state: string): Promise<string[]> {
  return (await json<JobJson[]>(home, ["list", "--state", state])).map((job) => job.id).sort();
}

async function stateOf(home: string, id: string): Promise<string> {
  return (await json<JobJson>(home, ["show", id])).state;
}

Deno.test("a canceled running job: its processes are killed, the run is recorded, it is not retried, the worker goes on", async () => {
  await withQueue(async (home) => {
    const shellPid = join(home, "shell.pid");
    const childPid = join(home, "child.pid");
    const escapeePid = join(home, "escapee.pid");
    await ok(home, [
      "enqueue",
      JSON.stringify({
        id: "long",
        command: `echo $$ > ${shellPid}; sleep 300 & echo $! > ${childPid}; ` +
          `setsid sleep 300 & echo $! > ${escapeePid}; wait`,
        priority: 1,
        max_retries: 3,
        unique_key: "long-key",
      }),
    ]);
    await ok(home, ["enqueue", "--id", "after", "--after", "long", "--", "true"]);
    await ok(home, ["enqueue", '{"id":"next","command":"true"}']);
    await ok(home, ["worker", "start"]);
    const shell = await readPid(shellPid);
    const child = await readPid(childPid);
    const escapee = await readPid(escapeePid);
    for (const pid of [shell, child, escapee]) assert.ok(await processAlive(pid), `${pid} runs`);
    assert.equal(await stateOf(home, "long"), "processing");
    assert.equal(await stateOf(home, "after"), "waiting");

    assert.equal(
      await ok(home, ["enqueue", "--unique-key", "long-key", "--", "true"]),
      "long\n",
      "a running job holds its unique key",
    );
    const cancel = await queuectl(home, ["cancel", "long"]);
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.equal(cancel.stdout, "long canceled: its worker is killing it\n");
    await assertGone(shell, "the job's shell", 5_000);
    await assertGone(child, "the job's child", 5_000);
    await assertGone(escapee, "a process that left the job's group (setsid)", 5_000);

    const wait = await queuectl(home, ["wait", "long", "--timeout", "20"]);
    assert.equal(wait.code, 1, `wait on a canceled job exits 1: ${wait.stderr}`);
    assert.match(wait.stderr, /0 completed, 0 dead, 1 canceled/);
    // The worker goes on to the next job, and the canceled one is not claimed again.
    assert.equal((await queuectl(home, ["wait", "next", "--timeout", "20"])).code, 0);
    const job = await json<JobJson>(home, ["show", "long"]);
    assert.equal(job.state, "canceled");
    assert.equal(job.attempts, 1, "the canceled run counts once and is not retried");
    assert.equal(job.next_run_at, null);
    assert.equal(job.cancel_requested_at, null, "the request is carried out");
    assert.deepEqual(job.history.map((run) => run.outcome), ["canceled"]);
    assert.match(job.last_error!, /^canceled while running/);
    assert.equal((await json<JobJson>(home, ["show", "next"])).history.length, 1);
    const after = await json<JobJson>(home, ["show", "after"]);
    assert.deepEqual([after.state, after.last_error], ["canceled", "dependency long is canceled"]);
    await ok(home, ["worker", "stop"]);
    assert.equal((await json<JobJson>(home, ["show", "long"])).attempts, 1);
    assert.notEqual(
      (await ok(home, ["enqueue", "--unique-key", "long-key", "--", "true"])).trim(),
      "long",
      "a canceled job frees its unique key",
    );
  });
});

Deno.test("cancel of a failed job waiting for its retry is at once, and cancels what waits for it", async () => {
  await withQueue(async (home) => {
    await ok(home, ["config", "set", "backoff-base", "1000"]);
    await ok(home, ["enqueue", "--id", "flaky", "--max-retries", "2", "--", "exit 3"]);
    await ok(home, ["enqueue", "--id", "then", "--after", "flaky", "--", "true"]);
    await ok(home, ["worker", "start"]);
    await waitForJob(home, "flaky", (job) => job.state === "failed", "the first run to fail");
    assert.equal(await ok(home, ["cancel", "flaky"]), "flaky canceled\nthen canceled\n");
    const job = await json<JobJson>(home, ["show", "flaky"]);
    assert.deepEqual([job.state, job.attempts, job.next_run_at], ["canceled", 1, null]);
    assert.deepEqual(job.history.map((run) => run.outcome), ["failed"]);
    assert.equal((await queuectl(home, ["wait", "flaky", "then", "--timeout", "5"])).code, 1);
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("a chain a → b → c (--after) on 2 workers runs in order; b and c wait until then", async () => {
  await withQueue(async (home) => {
    const timeline = join(home, "timeline");
    const step = (name: string, seconds: number) =>
      `echo "${name} start $(date +%s%N)" >> ${timeline}; sleep ${seconds}; ` +
      `echo "${name} end $(date +%s%N)" >> ${timeline}`;
    assert.equal(await ok(home, ["enqueue", "--id", "a", "--", step("a", 2)]), "a\n");
    assert.equal(
      await ok(home, ["enqueue", "--id", "b", "--after", "a", "--", step("b", 0.3)]),
      "b\n",
    );
    assert.equal(
      await ok(home, ["enqueue", "--id", "c", "--after", "b", "--", step("c", 0.3)]),
      "c\n",
    );
    assert.deepEqual(await idsIn(home, "waiting"), ["b", "c"]);
    await ok(home, ["worker", "start", "--count", "2"]);
    await waitForJob(home, "a", (job) => job.state === "processing", "a to run");
    // A worker is idle, yet b and c wait for a.
    assert.deepEqual(await idsIn(home, "waiting"), ["b", "c"]);
    assert.equal((await json<{ jobs: { waiting: number } }>(home, ["status"])).jobs.waiting, 2);
    const b = await json<JobJson>(home, ["show", "b"]);
    assert.deepEqual(b.depends_on, ["a"]);
    assert.deepEqual(b.dependents, ["c"]);
    assert.match(await ok(home, ["show", "b"]), /^depends_on +a\ndependents +c$/m);

    const wait = await queuectl(home, ["wait", "a", "b", "c", "--timeout", "30"]);
    assert.equal(wait.code, 0, wait.stderr);
    const at = new Map<string, bigint>();
    for (const line of (await Deno.readTextFile(timeline)).trim().split("\n")) {
      const [name, event, ns] = line.split(" ");
      at.set(`${name} ${event}`, BigInt(ns!));
    }
    assert.equal(at.size, 6, `every step ran once: ${[...at.keys()]}`);
    assert.ok(at.get("a end")! <= at.get("b start")!, "b starts after a ended");
    assert.ok(at.get("b end")! <= at.get("c start")!, "c starts after b ended");
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("a dead job cancels its dependents down the chain; retrying it brings them back and all complete", async () => {
  await withQueue(async (home) => {
    const marker = join(home, "fixed");
    await ok(home, ["enqueue", "--id", "a", "--max-retries", "0", "--", `test -e ${marker}`]);
    await ok(home, ["enqueue", "--id", "b", "--after", "a", "--", "true"]);
    await ok(home, ["enqueue", "--id", "c", "--after", "b", "--", "true"]);
    await ok(home, ["worker", "start"]);
    const wait = await queuectl(home, ["wait", "a", "b", "c", "--timeout", "20"]);
    assert.equal(wait.code, 1, wait.stderr);
    assert.match(wait.stderr, /0 completed, 1 dead, 2 canceled/);
    await ok(home, ["worker", "stop"]);
    assert.equal(await stateOf(home, "a"), "dead");
    const b = await json<JobJson>(home, ["show", "b"]);
    const c = await json<JobJson>(home, ["show", "c"]);
    assert.equal(b.state, "canceled");
    assert.equal(b.last_error, "dependency a is dead");
    assert.equal(c.state, "canceled");
    assert.equal(c.last_error, "dependency b is canceled");
    assert.deepEqual([b.attempts, c.attempts], [0, 0], "neither ran");
    await ok(home, ["compact"]); // what canceled them is remembered across compaction

    await Deno.writeTextFile(marker, "");
    assert.equal(
      await ok(home, ["retry", "a"]),
      "a is pending again\nb is waiting again\nc is waiting again\n",
    );
    assert.deepEqual(await idsIn(home, "waiting"), ["b", "c"]);
    const a = await json<JobJson>(home, ["show", "a"]);
    assert.equal(a.state, "pending");
    assert.equal(a.attempts, 0, "attempts reset");
    assert.equal(a.history.length, 1, "history kept");

    await ok(home, ["worker", "start"]);
    const again = await queuectl(home, ["wait", "a", "b", "c", "--timeout", "20"]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(await idsIn(home, "completed"), ["a", "b", "c"]);
    await ok(home, ["worker", "stop"]);
  });
});

/**
 * y depends on x and z, w on y. x is canceled first (y and w with it), then z dies: y and w were
 * canceled by x, and z is dead too.
 */
async function canceledThenDead(home: string, marker: string): Promise<void> {
  await ok(home, ["enqueue", "--id", "x", "--", "true"]);
  await ok(home, ["enqueue", "--id", "z", "--max-retries", "0", "--", `test -e ${marker}`]);
  await ok(home, ["enqueue", "--id", "y", "--after", "x", "--after", "z", "--", "true"]);
  await ok(home, ["enqueue", "--id", "w", "--after", "y", "--", "true"]);
  assert.equal(await ok(home, ["cancel", "x"]), "x canceled\ny canceled\nw canceled\n");
  await ok(home, ["worker", "start"]);
  assert.equal((await queuectl(home, ["wait", "z", "--timeout", "20"])).code, 1);
  await ok(home, ["worker", "stop"]);
  assert.equal((await json<JobJson>(home, ["show", "y"])).last_error, "dependency x is canceled");
}

Deno.test("a retry does not bring back a dependent that another dead dependency still holds: it names that one, whose retry brings it back", async () => {
  await withQueue(async (home) => {
    const marker = join(home, "fixed");
    await canceledThenDead(home, marker);
    assert.equal(await ok(home, ["retry", "x"]), "x is pending again\n");
    const y = await json<JobJson>(home, ["show", "y"]);
    assert.deepEqual([y.state, y.last_error], ["canceled", "dependency z is dead"]);
    const w = await json<JobJson>(home, ["show", "w"]);
    assert.deepEqual([w.state, w.last_error], ["canceled", "dependency y is canceled"]);
    assert.deepEqual(await idsIn(home, "waiting"), []);

    await Deno.writeTextFile(marker, "");
    assert.equal(
      await ok(home, ["retry", "z"]),
      "z is pending again\ny is waiting again\nw is waiting again\n",
    );
    await ok(home, ["worker", "start"]);
    assert.equal((await queuectl(home, ["wait", "--timeout", "20"])).code, 0);
    assert.deepEqual(await idsIn(home, "completed"), ["w", "x", "y", "z"]);
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("a retry of both dependencies together brings the dependent back, in either order", async () => {
  for (const order of [["x", "z"], ["z", "x"]]) {
    await withQueue(async (home) => {
      const marker = join(home, "fixed");
      await canceledThenDead(home, marker);
      await Deno.writeTextFile(marker, "");
      await ok(home, ["retry", ...order]);
      assert.deepEqual(await idsIn(home, "waiting"), ["w", "y"], `retry ${order}`);
      await ok(home, ["worker", "start"]);
      assert.equal((await queuectl(home, ["wait", "--timeout", "20"])).code, 0);
      assert.deepEqual(await idsIn(home, "completed"), ["w", "x", "y", "z"]);
      await ok(home, ["worker", "stop"]);
    });
  }
});

Deno.test("a completed dependency dropped by retention at compaction still counts as completed", async () => {
  await withQueue(async (home) => {
    const go = join(home, "go");
    await ok(home, ["config", "set", "retention", "0"]);
    await ok(home, ["enqueue", "--id", "a", "--", "true"]);
    await ok(home, ["enqueue", "--id", "b", "--", `while [ ! -e ${go} ]; do sleep 0.05; done`]);
    await ok(home, ["enqueue", "--id", "c", "--after", "a", "--after", "b", "--", "true"]);
    await ok(home, ["worker", "start", "--count", "2"]);
    assert.equal((await queuectl(home, ["wait", "a", "--timeout", "20"])).code, 0);
    await ok(home, ["compact"]);
    assert.equal((await queuectl(home, ["show", "a"])).code, 3, "a was dropped");
    assert.equal(await stateOf(home, "c"), "waiting");
    await Deno.writeTextFile(go, "");
    const wait = await queuectl(home, ["wait", "c", "--timeout", "20"]);
    assert.equal(wait.code, 0, wait.stderr);
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("cancel of a pending or waiting job cancels what waits for it; retry --all-canceled brings them back", async () => {
  await withQueue(async (home) => {
    const enqueue = (id: string, ...after: string[]) =>
      ok(home, ["enqueue", "--id", id, ...after.flatMap((dep) => ["--after", dep]), "--", "true"]);
    await enqueue("a");
    await enqueue("b", "a");
    await enqueue("c", "b");
    await enqueue("d");
    await enqueue("e", "d");
    await enqueue("f", "e", "d");
    await enqueue("x");

    assert.equal(await ok(home, ["cancel", "a"]), "a canceled\nb canceled\nc canceled\n");
    assert.equal(await ok(home, ["cancel", "e"]), "e canceled\nf canceled\n");
    assert.deepEqual(await idsIn(home, "canceled"), ["a", "b", "c", "e", "f"]);
    assert.deepEqual(await idsIn(home, "pending"), ["d", "x"]);
    const { jobs } = await json<{ jobs: Record<string, number> }>(home, ["status"]);
    assert.deepEqual([jobs.pending, jobs.waiting, jobs.canceled, jobs.total], [2, 0, 5, 7]);
    assert.equal((await json<JobJson>(home, ["show", "a"])).last_error, "canceled");
    assert.equal((await json<JobJson>(home, ["show", "b"])).last_error, "dependency a is canceled");
    assert.equal((await json<JobJson>(home, ["show", "c"])).last_error, "dependency b is canceled");
    assert.equal((await json<JobJson>(home, ["show", "f"])).last_error, "dependency e is canceled");
    const canceledOnly = await queuectl(home, ["wait", "a", "--timeout", "5"]);
    assert.equal(canceledOnly.code, 1, "a canceled job is finished, not completed");

    const revived = await json<JobJson[]>(home, ["retry", "--all-canceled"]);
    assert.deepEqual(revived.map((job) => job.id).sort(), ["a", "b", "c", "e", "f"]);
    assert.deepEqual(await idsIn(home, "pending"), ["a", "d", "x"]);
    assert.deepEqual(await idsIn(home, "waiting"), ["b", "c", "e", "f"]);
    assert.deepEqual(await idsIn(home, "canceled"), []);
    assert.equal(
      (await queuectl(home, ["retry", "--all-canceled"])).stderr,
      "nothing to retry\n",
    );

    await ok(home, ["worker", "start", "--count", "2"]);
    const wait = await queuectl(home, ["wait", "--timeout", "30"]);
    assert.equal(wait.code, 0, wait.stderr);
    assert.deepEqual(await idsIn(home, "completed"), ["a", "b", "c", "d", "e", "f", "x"]);
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("unique keys: a duplicate gets the unfinished job's id; a finished job frees the key; in a batch the first wins", async () => {
  await withQueue(async (home) => {
    const first = (await ok(home, ["enqueue", "--unique-key", "nightly", "--", "true"])).trim();
    await ok(home, ["compact"]); // the key is held across compaction
    const again = await queuectl(home, ["enqueue", "--unique-key", "nightly", "--", "echo other"]);
    assert.deepEqual([again.code, again.stdout, again.stderr], [0, `${first}\n`, ""]);
    const asJson = await json<JobJson & { duplicate?: boolean }>(home, [
      "enqueue",
      '{"command":"echo other","unique_key":"nightly"}',
    ]);
    assert.equal(asJson.id, first);
    assert.equal(asJson.duplicate, true);
    assert.equal(asJson.command, "true", "the job that holds the key, not the one refused");
    const fresh = JSON.parse(
      await ok(home, ["enqueue", "--json", "--unique-key", "other", "--", "true"]),
    );
    assert.notEqual(fresh.duplicate, true);
    assert.equal((await json<JobJson[]>(home, ["list"])).length, 2, "nothing else was added");

    await ok(home, ["worker", "start"]);
    assert.equal((await queuectl(home, ["wait", first, "--timeout", "20"])).code, 0);
    await ok(home, ["worker", "stop"]);
    const next = (await ok(home, ["enqueue", "--unique-key", "nightly", "--", "true"])).trim();
    assert.notEqual(next, first, "a completed job frees its key");
    await ok(home, ["cancel", next]);
    const afterCancel = (await ok(home, ["enqueue", "--unique-key", "nightly", "--", "true"]))
      .trim();
    assert.ok(![first, next].includes(afterCancel), "a canceled job frees its key");

    const batch = [
      { id: "one", command: "true", unique_key: "batch" },
      { id: "two", command: "true", unique_key: "batch" },
      { id: "three", command: "true", unique_key: "nightly" },
    ].map((job) => JSON.stringify(job)).join("\n") + "\n";
    assert.equal(
      await ok(home, ["enqueue", "--file", "-"], { stdin: batch }),
      `one\none\n${afterCancel}\n`,
    );
    assert.equal((await queuectl(home, ["show", "two"])).code, 3, "the second was not added");
    assert.equal((await queuectl(home, ["show", "three"])).code, 3, "the key's holder wins");
  });
});

Deno.test("bad workflow input: exit 2 or 3 naming the job, one line on stderr, the store unchanged", async () => {
  await withQueue(async (home) => {
    await ok(home, ["enqueue", "--id", "done", "--", "true"]);
    await ok(home, ["enqueue", "--id", "dead", "--max-retries", "0", "--", "false"]);
    await ok(home, ["enqueue", "--id", "orphan", "--after", "dead", "--", "true"]);
    await ok(home, [
      "enqueue",
      "--id",
      "keyed",
      "--max-retries",
      "0",
      "--unique-key",
      "k",
      "--",
      "false",
    ]);
    await ok(home, ["worker", "start"]);
    assert.equal((await queuectl(home, ["wait", "--timeout", "20"])).code, 1);
    await ok(home, ["worker", "stop"]);
    assert.deepEqual(
      [
        await stateOf(home, "done"),
        await stateOf(home, "dead"),
        await stateOf(home, "orphan"),
        await stateOf(home, "keyed"),
      ],
      ["completed", "dead", "canceled", "dead"],
    );
    await ok(home, ["enqueue", "--id", "holder", "--unique-key", "k", "--", "true"]);
    await ok(home, ["enqueue", "--id", "a", "--", "true"]);
    await ok(home, ["enqueue", "--id", "w", "--after", "a", "--", "true"]);

    const batch = (...jobs: object[]) => jobs.map((job) => JSON.stringify(job)).join("\n") + "\n";
    const cases: { args: string[]; stdin?: string; code: number; message: RegExp }[] = [
      {
        args: ["cancel", "done"],
        code: 2,
        message: /Job "done" is completed; only pending, waiting, failed or processing jobs/,
      },
      { args: ["cancel", "dead"], code: 2, message: /Job "dead" is dead/ },
      { args: ["cancel", "orphan"], code: 2, message: /Job "orphan" is canceled/ },
      { args: ["cancel", "nope"], code: 3, message: /No job with id "nope"/ },
      { args: ["cancel", "a", "nope"], code: 3, message: /No job with id "nope"/ },
      { args: ["cancel", "a", "done"], code: 2, message: /Job "done" is completed/ },
      { args: ["cancel"], code: 2, message: /Missing argument <id>/ },
      {
        args: ["retry", "a"],
        code: 2,
        message: /Job "a" is pending; only dead, canceled or completed jobs can be retried/,
      },
      { args: ["retry", "w"], code: 2, message: /Job "w" is waiting/ },
      { args: ["retry", "dead", "a"], code: 2, message: /Job "a" is pending/ },
      { args: ["retry", "nope"], code: 3, message: /No job with id "nope"/ },
      { args: ["retry", "dead", "nope"], code: 3, message: /No job with id "nope"/ },
      {
        args: ["retry", "orphan"],
        code: 2,
        message: /Job "orphan" depends on "dead", which is dead: retry "dead" too/,
      },
      {
        args: ["retry", "keyed"],
        code: 2,
        message: /Job "keyed" cannot run again while job "holder" holds its unique key "k"/,
      },
      { args: ["retry"], code: 2, message: /Missing argument <id>/ },
      { args: ["retry", "dead", "--all-dead"], code: 2, message: /not both/ },
      { args: ["retry", "--all-dead", "--all-canceled"], code: 2, message: /not both/ },
      { args: ["dlq", "retry", "orphan"], code: 2, message: /Job "orphan" is canceled/ },
      {
        args: ["enqueue", "--after", "nope", "--", "true"],
        code: 2,
        message: /Option --after: no job with id "nope"/,
      },
      {
        args: ["enqueue", "--id", "s", "--after", "s", "--", "true"],
        code: 2,
        message: /job "s" cannot depend on itself/,
      },
      {
        args: ["enqueue", '{"id":"s","command":"true","depends_on":["s"]}'],
        code: 2,
        message: /Field "depends_on": job "s" cannot depend on itself/,
      },
      {
        args: ["enqueue", "--after", "dead", "--", "true"],
        code: 2,
        message: /dependency "dead" is dead; retry it first/,
      },
      {
        args: ["enqueue", "--after", "orphan", "--", "true"],
        code: 2,
        message: /dependency "orphan" is canceled; retry it first/,
      },
      {
        args: ["enqueue", "--file", "-"],
        stdin: batch(
          { id: "x", command: "true", depends_on: ["y"] },
          { id: "y", command: "true" },
        ),
        code: 2,
        message: /Job 1: field "depends_on": "y" comes later in the batch/,
      },
      {
        args: ["enqueue", "--file", "-"],
        stdin: batch(
          { id: "x", command: "true", depends_on: ["y"] },
          { id: "y", command: "true", depends_on: ["x"] },
        ),
        code: 2,
        message: /Job 1: field "depends_on": "y" depends on "x": that closes a cycle/,
      },
      {
        args: ["enqueue", "--file", "-"],
        stdin: batch(
          { id: "x", command: "true" },
          { id: "y", command: "true", depends_on: ["x", "dead"] },
        ),
        code: 2,
        message: /Job 2: field "depends_on": dependency "dead" is dead/,
      },
      {
        args: ["enqueue", '{"command":"true","depends_on":[]}'],
        code: 2,
        message: /Field "depends_on" must be an array of 1 to 100 job ids/,
      },
      {
        args: ["enqueue", '{"command":"true","depends_on":"a"}'],
        code: 2,
        message: /Field "depends_on" must be an array/,
      },
      {
        args: ["enqueue", "--unique-key", "", "--", "true"],
        code: 2,
        message: /Option --unique-key must be a string of 1 to 256 characters/,
      },
    ];

    const before = await storeContents(home);
    for (const { args, stdin, code, message } of cases) {
      const what = `queuectl ${args.join(" ")}`;
      const result = await queuectl(home, args, stdin === undefined ? {} : { stdin });
      assert.equal(result.code, code, `${what}: exit code (stderr: ${result.stderr})`);
      assert.equal(result.stdout, "", `${what}: stdout`);
      const lines = result.stderr.split("\n").filter((line) => line.length > 0);
      assert.equal(lines.length, 1, `${what}: one line on stderr, got ${result.stderr}`);
      assert.match(lines[0]!, /^queuectl: /, what);
      assert.match(lines[0]!, message, what);
      assert.equal(await storeContents(home), before, `${what}: store unchanged`);
    }
    assert.equal(await stateOf(home, "a"), "pending", "cancel a nope changed nothing");
    assert.equal(await stateOf(home, "w"), "waiting");
  });
});

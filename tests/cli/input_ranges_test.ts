import assert from "node:assert/strict";
import { type JobJson, json, ok, queuectl, storeContents, withQueue } from "./_cli.ts";

Deno.test('enqueue: "timeout": 0 means no timeout, even when job_timeout would kill the job', async () => {
  await withQueue(async (home) => {
    await ok(home, ["config", "set", "job-timeout", "1"]);
    const job = await json<JobJson>(home, [
      "enqueue",
      '{"id":"long","command":"sleep 2; echo finished","timeout":0}',
    ]);
    assert.equal(job.timeout, null);
    assert.equal((await json<JobJson>(home, ["show", "long"])).timeout, null);
    await ok(home, ["worker", "start"]);
    await ok(home, ["wait", "long", "--timeout", "30"]);
    await ok(home, ["worker", "stop"]);
    const done = await json<JobJson>(home, ["show", "long"]);
    assert.equal(done.state, "completed", done.last_error ?? "");
    assert.equal(done.attempts, 1);
    assert.equal(await ok(home, ["logs", "long"]), "finished\n");
  });
});

Deno.test("enqueue: run_at without a zone is the enqueuer's local time", async () => {
  await withQueue(async (home) => {
    const env = { TZ: "Asia/Kolkata" }; // +05:30 all year: no DST to reason about
    await ok(home, ["enqueue", '{"id":"local","command":"true","run_at":"2030-01-01T12:00:00"}'], {
      env,
    });
    await ok(home, ["enqueue", '{"id":"utc","command":"true","run_at":"2030-01-01T12:00:00Z"}'], {
      env,
    });
    assert.equal((await json<JobJson>(home, ["show", "local"])).run_at, "2030-01-01T06:30:00.000Z");
    assert.equal((await json<JobJson>(home, ["show", "utc"])).run_at, "2030-01-01T12:00:00.000Z");
  });
});

Deno.test("config set prints the value as stored, and config get reads the same back", async () => {
  await withQueue(async (home) => {
    const cases: [string, string, string][] = [
      ["backoff-max", "2h", "7200"],
      ["backoff-max", "0.0000001", "1e-7"],
      ["backoff-max", "366d", "31622400"],
      ["poll-interval", "50ms", "0.05"],
      ["stall-timeout", "3", "3"],
      ["retention", "36500d", "3153600000"],
      ["compact-threshold", "1e6", "1000000"],
    ];
    for (const [key, typed, stored] of cases) {
      const name = key.replaceAll("-", "_");
      assert.equal(await ok(home, ["config", "set", key, typed]), `${name} = ${stored}\n`, typed);
      assert.equal(await ok(home, ["config", "get", key]), `${stored}\n`, `get after ${typed}`);
    }
  });
});

Deno.test("config set out of range exits 2 and leaves the setting as it was", async () => {
  await withQueue(async (home) => {
    await ok(home, ["config", "set", "backoff-max", "10m"]);
    const before = await storeContents(home);
    for (
      const [key, value] of [
        ["backoff-max", "99999999999999999999999"],
        ["backoff-max", "367d"],
        ["job-timeout", "30000000000"],
        ["stall-timeout", "2"],
        ["poll-interval", "0"],
        ["poll-interval", "1d"],
        ["retention", "36501d"],
        ["compact-threshold", "99999999999999999999999"],
      ]
    ) {
      const result = await queuectl(home, ["config", "set", key!, value!]);
      assert.equal(result.code, 2, `${key} ${value}: ${result.stderr}`);
      assert.match(result.stderr, /^queuectl: Config "\w+" must be .* from .* to .*, got "/);
      assert.equal(result.stderr.trim().split("\n").length, 1);
    }
    assert.equal(await storeContents(home), before, "nothing written");
    assert.equal(await ok(home, ["config", "get", "backoff-max"]), "600\n");
  });
});

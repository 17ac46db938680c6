import assert from "node:assert/strict";
import { join } from "node:path";
import { type JobJson, json, ok, queuectl, waitForJob, withQueue } from "./_cli.ts";

Deno.test("logs shows the latest attempt by default and any attempt with --attempt", async () => {
  await withQueue(async (home) => {
    await ok(home, ["config", "set", "backoff_base", "1"]);
    const marker = join(home, "second-time");
    const command =
      `if [ -e ${marker} ]; then echo second; else touch ${marker}; echo first; exit 1; fi`;
    await ok(home, ["enqueue", JSON.stringify({ id: "j", command })]);
    await ok(home, ["worker", "start"]);
    assert.equal((await queuectl(home, ["wait", "j", "--timeout", "20"])).code, 0);
    assert.equal((await json<JobJson>(home, ["show", "j"])).attempts, 2);
    assert.equal(await ok(home, ["logs", "j"]), "second\n");
    assert.equal(await ok(home, ["logs", "j", "--attempt", "1"]), "first\n");
    const missing = await queuectl(home, ["logs", "j", "--attempt", "3"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /has no attempt 3/);
  });
});

Deno.test("logs --follow prints output as it comes and returns when the attempt ends", async () => {
  await withQueue(async (home) => {
    await ok(home, ["enqueue", '{"id":"j","command":"echo one; sleep 1; echo two"}']);
    await ok(home, ["worker", "start"]);
    await waitForJob(home, "j", (job) => job.state === "processing", "the job to start");
    const followed = await queuectl(home, ["logs", "j", "--follow"]);
    assert.equal(followed.code, 0, followed.stderr);
    assert.equal(followed.stdout, "one\ntwo\n");
    assert.equal((await json<JobJson>(home, ["show", "j"])).state, "completed");
  });
});

Deno.test("logs of a job that has not run yet exits 0, nothing on stdout, one line saying so on stderr", async () => {
  await withQueue(async (home) => {
    await ok(home, ["enqueue", '{"id":"j","command":"true"}']);
    const result = await queuectl(home, ["logs", "j"]);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, "");
    assert.equal(result.stderr, 'Job "j" has not run yet: no output\n');
  });
});

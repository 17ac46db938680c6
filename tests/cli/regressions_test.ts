/**
 * Promises a review found broken, kept by end-to-end tests: `worker stop` signals only its own
 * workers, `dlq retry` is all or nothing, `wait` survives retention dropping a job it waits for,
 * and an enqueue that appends without replaying still refuses a journal damaged in the middle.
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { hostName, processStartTime } from "../../src/worker/liveness.ts";
import {
  json,
  ok,
  openStoreOf,
  queuectl,
  storeContents,
  storeEnv,
  waitForJob,
  withJournalQueue,
  withQueue,
} from "./_cli.ts";

Deno.test("worker stop never signals a process that took a dead worker's pid", async () => {
  await withQueue(async (home) => {
    const bystander = new Deno.Command("sleep", { args: ["60"] }).spawn();
    try {
      // A worker that died long ago, recorded with the pid the bystander has now.
      const store = await openStoreOf(home, { now: () => Date.now() - 3600_000 });
      await store.registerWorker({
        id: "w-old",
        pid: bystander.pid,
        host: hostName(),
        pstart: "1",
      });
      await store.close();
      const stop = await queuectl(home, ["worker", "stop", "--timeout", "20"]);
      assert.equal(stop.code, 0, stop.stderr);
      assert.notEqual(await processStartTime(bystander.pid), null, "the bystander is alive");
      const workers = (await json<{ workers: { id: string; status: string }[] }>(home, ["status"]))
        .workers;
      assert.deepEqual(workers.map((w) => [w.id, w.status]), [["w-old", "lost"]]);
    } finally {
      bystander.kill("SIGKILL");
      await bystander.status;
    }
  });
});

Deno.test("dlq retry of several ids changes nothing when one of them is not dead", async () => {
  await withQueue(async (home) => {
    await ok(home, ["enqueue", '{"id":"d1","command":"false","max_retries":0}']);
    await ok(home, ["worker", "start"]);
    assert.equal((await queuectl(home, ["wait", "d1", "--timeout", "20"])).code, 1);
    await ok(home, ["worker", "stop"]);
    await ok(home, ["enqueue", '{"id":"p1","command":"true"}']);
    const before = await storeContents(home);
    const retry = await queuectl(home, ["dlq", "retry", "d1", "p1"]);
    assert.equal(retry.code, 2);
    assert.match(retry.stderr, /Job "p1" is pending, not in the dead letter queue/);
    assert.equal(await storeContents(home), before, "nothing written");
    assert.equal(await ok(home, ["dlq", "retry", "d1"]), "d1 is pending again\n");
  });
});

Deno.test("wait counts a job retention dropped while it waited as completed", async () => {
  await withQueue(async (home) => {
    await ok(home, ["config", "set", "retention", "0"]);
    await ok(home, ["enqueue", '{"id":"a","command":"true","priority":1}']);
    await ok(home, ["enqueue", `{"id":"b","command":"sleep 1; test -e ${home}/go"}`]);
    const { PERMISSION_FLAGS } = await import("../../src/permissions.ts");
    const main = new URL("../../main.ts", import.meta.url).pathname;
    const wait = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--no-prompt",
        ...PERMISSION_FLAGS,
        main,
        "--home",
        home,
        "wait",
        "a",
        "b",
        "--timeout",
        "60",
      ],
      stdout: "piped",
      stderr: "piped",
      env: storeEnv(home),
    }).spawn();
    await ok(home, ["worker", "start"]);
    await waitForJob(home, "a", (j) => j.state === "completed", "a to complete");
    await ok(home, ["compact"]); // retention 0: a is dropped
    assert.equal((await queuectl(home, ["show", "a"])).code, 3, "a is gone");
    await Deno.writeTextFile(join(home, "go"), "");
    const { code, stderr } = await wait.output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("enqueue refuses a journal damaged in the middle, with an id of its own or not", async () => {
  await withJournalQueue(async (home) => {
    // ~170 KB: past the end a blind append checks (64 KiB), under the size read whole (256 KiB).
    const jobs = Array.from(
      { length: 600 },
      (_, i) => JSON.stringify({ id: `big${i}`, command: "true" }),
    );
    await ok(home, ["enqueue", "--file", "-"], { stdin: jobs.join("\n") });
    const path = join(home, "journal.jsonl");
    const text = await Deno.readTextFile(path);
    const damaged = text.replace('"id":"big4"', '"id":"bXg4"');
    assert.notEqual(damaged, text);
    await Deno.writeTextFile(path, damaged);
    for (const args of [["--id", "big4"], ["--id", "new1"], []]) {
      const result = await queuectl(home, ["enqueue", ...args, "--", "true"]);
      assert.equal(result.code, 1, `enqueue ${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, /corrupt at line \d+ \(checksum mismatch\)/);
      assert.equal(await Deno.readTextFile(path), damaged, "nothing appended");
    }
  });
});

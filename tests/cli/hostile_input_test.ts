import assert from "node:assert/strict";
import { join } from "node:path";
import { MAX_BATCH_JOBS } from "../../src/cli/enqueue.ts";
import { type JobJson, json, ok, queuectl, storeContents, withQueue } from "./_cli.ts";

Deno.test("job ids cannot escape logs/: traversal, absolute paths and NUL are refused", async () => {
  await withQueue(async (home) => {
    for (const id of ["..", "../x", "/etc/passwd", "a/../../b", "x\u0000y", ".", "a\\b"]) {
      const result = await queuectl(home, ["enqueue", JSON.stringify({ id, command: "true" })]);
      assert.equal(result.code, 2, JSON.stringify(id));
      assert.match(result.stderr, /Field "id" must be/);
    }
    await assert.rejects(Deno.stat(join(home, "logs")), Deno.errors.NotFound);
    assert.deepEqual(await json(home, ["list"]), []);
  });
});

Deno.test("huge commands and huge batches are refused with a clear error", async () => {
  await withQueue(async (home) => {
    const huge = await queuectl(home, ["enqueue", "--file", "-"], {
      stdin: JSON.stringify({ command: "x".repeat(200_000) }) + "\n",
    });
    assert.equal(huge.code, 2);
    assert.match(
      huge.stderr,
      /Line 1: Field "command" is too long: 200000 bytes in UTF-8, at most 130048/,
    );
    const many = await queuectl(home, ["enqueue", "--file", "-"], {
      stdin: "{}\n".repeat(MAX_BATCH_JOBS + 1),
    });
    assert.equal(many.code, 2);
    assert.match(many.stderr, /Too many jobs in one batch: 1000001, at most 1000000/);
    assert.deepEqual(await json(home, ["list"]), []);
  });
});

Deno.test("the home is 0700 and every file and folder in it owner-only", async () => {
  await withQueue(async (home) => {
    const queueHome = join(home, "q");
    await ok(queueHome, ["enqueue", '{"id":"j","command":"echo secret output"}']);
    await ok(queueHome, ["worker", "start"]);
    await ok(queueHome, ["wait", "j", "--timeout", "20"]);
    await ok(queueHome, ["worker", "stop"]);
    const modes: Record<string, number> = {};
    const walk = async (dir: string, rel: string) => {
      for await (const entry of Deno.readDir(dir)) {
        const path = join(dir, entry.name);
        modes[`${rel}${entry.name}`] = (await Deno.stat(path)).mode! & 0o777;
        if (entry.isDirectory) await walk(path, `${rel}${entry.name}/`);
      }
    };
    await walk(queueHome, "");
    assert.equal((await Deno.stat(queueHome)).mode! & 0o777, 0o700);
    assert.ok(Object.keys(modes).includes("logs/j/1.log"), Object.keys(modes).join(" "));
    for (const [name, mode] of Object.entries(modes)) {
      const isDir = (await Deno.stat(join(queueHome, name))).isDirectory;
      assert.equal(mode, isDir ? 0o700 : 0o600, `${name} is ${mode.toString(8)}`);
    }
  });
});

Deno.test("the enqueuer's environment is never stored; only a job's explicit env is", async () => {
  await withQueue(async (home) => {
    const env = { SECRET_TOKEN: "hunter2-do-not-store" };
    await ok(home, ["enqueue", '{"id":"plain","command":"echo ${SECRET_TOKEN:-unset}"}'], { env });
    await ok(
      home,
      ["enqueue", '{"id":"given","command":"echo $GREETING","env":{"GREETING":"hi"}}'],
      { env },
    );
    assert.ok(!(await storeContents(home)).includes("hunter2"), "the secret is not in the store");
    assert.equal((await json<JobJson & { env: unknown }>(home, ["show", "plain"])).env, null);
    assert.deepEqual((await json<JobJson & { env: unknown }>(home, ["show", "given"])).env, {
      GREETING: "hi",
    });
    await ok(home, ["worker", "start"]);
    await ok(home, ["wait", "--timeout", "20"]);
    assert.equal(
      await ok(home, ["logs", "plain"]),
      "unset\n",
      "the worker's environment, not the enqueuer's",
    );
    assert.equal(await ok(home, ["logs", "given"]), "hi\n");
  });
});

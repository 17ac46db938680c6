/**
 * A worker runs for days; `deno task install` rebuilds the bundle it runs from meanwhile (the
 * files' names change) and a checkout gets updated. A worker must have loaded, as it started,
 * everything it may need later: compaction, schedules, cancels.
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PERMISSION_FLAGS } from "../../src/permissions.ts";
import { BUNDLE_FLAGS } from "../../src/worker/self_command.ts";
import { waitFor, withTempHome } from "../_temp_home.ts";
import { json, ok, queuectl, waitForJob } from "./_cli.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));

async function run(args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    env: { NO_COLOR: "1", QUEUECTL_STORE: "" },
    stdin: "null",
  }).output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}

Deno.test("a worker started from the bundle goes on compacting, scheduling and canceling after the bundle is gone", async () => {
  await withTempHome(async (dir) => {
    const bundle = join(dir, "bundle");
    const built = await run(["bundle", "--quiet", "--code-splitting", "--outdir", bundle, MAIN]);
    assert.equal(built.code, 0, built.stderr);
    const home = join(dir, "home");
    const fromBundle = (...args: string[]) =>
      run([
        "run",
        "--quiet",
        "--no-prompt",
        "--no-config",
        ...BUNDLE_FLAGS,
        ...PERMISSION_FLAGS,
        join(bundle, "main.js"),
        "--home",
        home,
        ...args,
      ]);
    await ok(home, ["config", "set", "compact_threshold", "1024"]);
    const started = await fromBundle("worker", "start");
    assert.equal(started.code, 0, started.stderr);
    try {
      // The bundle goes, as a new install removes it: nothing more can be loaded from it.
      await Deno.rename(bundle, join(dir, "bundle-gone"));
      await ok(home, [
        "schedule",
        "add",
        "nightly",
        "--cron",
        "0 3 * * *",
        "--job",
        '{"command":"true"}',
      ]);
      await ok(home, ["enqueue", '{"id":"long","command":"sleep 30"}']);
      await waitForJob(home, "long", (job) => job.state === "processing", "the long job to start");
      await ok(home, ["cancel", "long"]);
      await waitForJob(home, "long", (job) => job.state === "canceled", "the cancel to kill it");
      const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify({ command: `echo ${i}` }));
      await ok(home, ["enqueue", "--file", "-"], { stdin: lines.join("\n") });
      assert.equal((await queuectl(home, ["wait", "--timeout", "60"])).code, 1, "one canceled");
      await waitFor("the worker to compact the journal", async () => {
        const header = (await Deno.readTextFile(join(home, "journal.jsonl"))).split("\n", 1)[0]!;
        return /"snapshot_bytes":[1-9]/.test(header) || undefined;
      });
      const { completed } = (await json<{ jobs: { completed: number } }>(home, ["status"])).jobs;
      assert.equal(completed, 200);
    } finally {
      await ok(home, ["worker", "stop", "--timeout", "30"]);
    }
    const logs = [];
    for await (const entry of Deno.readDir(join(home, "workers"))) {
      logs.push(await Deno.readTextFile(join(home, "workers", entry.name)));
    }
    const log = logs.join("");
    assert.doesNotMatch(log, /Module not found|failed/i, log);
    assert.match(log, /stopped/);
  });
});

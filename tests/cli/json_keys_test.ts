import assert from "node:assert/strict";
import { COMMANDS } from "../../src/cli/commands.ts";
import { startDashboard } from "../web/_dashboard.ts";
import { ok, queuectl, storeEnv, withQueue } from "./_cli.ts";

const SNAKE_CASE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/**
 * Every key in a JSON value that is not snake_case, as paths. The keys of a job's `env` are the
 * user's own variable names, not ours: they are not checked.
 */
function badKeys(value: unknown, path = "$"): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => badKeys(item, `${path}[${i}]`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, inner]) => [
    ...(SNAKE_CASE.test(key) ? [] : [`${path}.${key}`]),
    ...(key === "env" ? [] : badKeys(inner, `${path}.${key}`)),
  ]);
}

/** Runs `queuectl <args> --json`, expecting one of `codes`, and returns the parsed stdout. */
async function jsonOf(home: string, args: string[], codes = [0]): Promise<unknown> {
  const result = await queuectl(home, [...args, "--json"]);
  assert.ok(
    codes.includes(result.code),
    `${args.join(" ")} exited ${result.code}: ${result.stderr}`,
  );
  return JSON.parse(result.stdout);
}

Deno.test("every command's --json uses snake_case keys", async () => {
  await withQueue(async (home) => {
    const outputs = new Map<string, unknown>();
    const run = async (name: string, args: string[], codes?: number[]) =>
      void outputs.set(name, await jsonOf(home, args, codes));
    await run("enqueue", ["enqueue", '{"id":"ok","command":"echo hi","env":{"MY_VAR":"1"}}']);
    await ok(home, ["enqueue", '{"id":"bad","command":"false","max_retries":0}']);
    await run("worker start", ["worker", "start"]);
    await run("wait", ["wait", "--timeout", "30"], [1]);
    await run("status", ["status"]);
    await run("list", ["list"]);
    await run("show", ["show", "ok"]);
    await run("logs", ["logs", "ok"]);
    await run("dlq list", ["dlq", "list"]);
    await ok(home, ["enqueue", '{"id":"later","command":"true","run_at":"2099-01-01T00:00:00Z"}']);
    await run("cancel", ["cancel", "later"]);
    await run("retry", ["retry", "later"]);
    await run("queue set", ["queue", "set", "slow", "--concurrency", "1"]);
    await run("queue pause", ["queue", "pause", "slow"]);
    await run("queue resume", ["queue", "resume", "slow"]);
    await run("queue list", ["queue", "list"]);
    await run("schedule add", [
      "schedule",
      "add",
      "nightly",
      "--cron",
      "0 3 * * *",
      "--job",
      '{"command":"true","env":{"MY_VAR":"1"}}',
      "--timezone",
      "UTC",
    ]);
    await run("schedule pause", ["schedule", "pause", "nightly"]);
    await run("schedule resume", ["schedule", "resume", "nightly"]);
    await run("schedule list", ["schedule", "list"]);
    await run("schedule remove", ["schedule", "remove", "nightly"]);
    await run("dlq retry", ["dlq", "retry", "bad"]);
    await run("config get", ["config", "get"]);
    await run("config set", ["config", "set", "max-retries", "4"]);
    await run("stats", ["stats"]);
    await run("compact", ["compact"]);
    await run("worker stop", ["worker", "stop"]);
    await run("doctor", ["doctor"]);
    // dashboard serves until stopped: its --json is the line it announces itself with.
    const store = storeEnv(home).QUEUECTL_STORE;
    const dashboard = await startDashboard(home, [
      "--listen",
      "127.0.0.1:0",
      ...(store === undefined ? [] : ["--store", store]),
    ]);
    outputs.set("dashboard", dashboard.announcement);
    assert.equal(await dashboard.stop(), 0);
    const visible = COMMANDS.filter((spec) => !spec.hidden).map((spec) => spec.name.join(" "));
    assert.deepEqual(
      visible.filter((name) => !outputs.has(name)),
      [],
      "every command is run",
    );
    for (const [name, output] of outputs) assert.deepEqual(badKeys(output), [], name);
    assert.deepEqual(Object.keys(outputs.get("compact") as object), [
      "bytes_before",
      "bytes_after",
      "records",
    ]);
  });
});

Deno.test("logs --json prints the attempt's output as JSON, and refuses --follow with exit 2", async () => {
  await withQueue(async (home) => {
    await ok(home, [
      "enqueue",
      '{"id":"j","command":"echo hello; printf \'caf\\\\303\\\\251\' >&2"}',
    ]);
    await ok(home, ["worker", "start"]);
    assert.equal((await queuectl(home, ["wait", "j", "--timeout", "20"])).code, 0);
    assert.deepEqual(await jsonOf(home, ["logs", "j"]), {
      id: "j",
      attempt: 1,
      log: "hello\ncafé",
    });
    assert.deepEqual(await jsonOf(home, ["logs", "j", "--attempt", "1"]), {
      id: "j",
      attempt: 1,
      log: "hello\ncafé",
    });
    const follow = await queuectl(home, ["logs", "j", "--follow", "--json"]);
    assert.equal(follow.code, 2);
    assert.equal(follow.stdout, "");
    assert.equal(follow.stderr, "queuectl: Option --follow cannot be used with --json\n");
    await ok(home, ["worker", "stop"]);
  });
});

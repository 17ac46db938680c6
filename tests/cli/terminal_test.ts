/**
 * queuectl on a real terminal, the way the README runs it (`deno task queuectl …` in a
 * pseudo-terminal): no command may stop at a permission prompt, and jobs get the user's umask.
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { ok, queuectl, storeEnv, withQueue } from "./_cli.ts";

const PROJECT = fileURLToPath(new URL("../../", import.meta.url));

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

/** Runs `deno task queuectl --home <home> <args…>` in a pseudo-terminal; returns the screen. */
async function onTerminal(
  home: string,
  args: string[],
  prefix = "",
): Promise<{ code: number; screen: string }> {
  const command = prefix +
    [Deno.execPath(), "task", "--quiet", "queuectl", "--home", home, ...args].map(quote).join(" ");
  const child = new Deno.Command("script", {
    args: ["-qec", command, "/dev/null"],
    cwd: PROJECT,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
    env: { NO_COLOR: "1", SHELL: "/bin/sh", ...storeEnv(home) },
  }).spawn();
  // A command stuck at a prompt never ends by itself: give up on it after a while.
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  try {
    const { code, stdout } = await child.output();
    return { code, screen: new TextDecoder().decode(stdout) };
  } finally {
    clearTimeout(timer);
  }
}

Deno.test("no command stops at a permission prompt on a terminal", async () => {
  await withQueue(async (home) => {
    const commands: [string[], number][] = [
      [["enqueue", '{"id":"a","command":"echo hi"}'], 0],
      [["enqueue", '{"id":"d","command":"exit 1","max_retries":0}'], 0],
      [["list"], 0],
      [["status"], 0],
      [["config", "get"], 0],
      [["config", "set", "max-retries", "2"], 0],
      [["worker", "start"], 0],
      [["wait", "--timeout", "30"], 1],
      [["show", "a"], 0],
      [["logs", "a"], 0],
      [["dlq", "list"], 0],
      [["dlq", "retry", "d"], 0],
      [["wait", "d", "--timeout", "30"], 1],
      [["worker", "stop"], 0],
      [["compact"], 0],
      [["doctor"], 0],
      [["--help"], 0],
      [["--version"], 0],
    ];
    for (const [args, expected] of commands) {
      const { code, screen } = await onTerminal(home, args);
      assert.doesNotMatch(screen, /Deno requests|Allow\?|\[y\/n/i, `${args.join(" ")} prompted`);
      assert.equal(code, expected, `${args.join(" ")}: ${screen}`);
    }
  });
});

Deno.test("a job runs with the umask of the user who started the worker", async () => {
  await withQueue(async (home) => {
    const made = join(home, "made-by-job");
    await ok(home, ["enqueue", JSON.stringify({ id: "j", command: `touch ${made}` })]);
    const { code, screen } = await onTerminal(home, ["worker", "start"], "umask 077; ");
    assert.equal(code, 0, screen);
    assert.equal((await queuectl(home, ["wait", "j", "--timeout", "20"])).code, 0);
    assert.equal((await Deno.stat(made)).mode! & 0o777, 0o600);
    await ok(home, ["worker", "stop"]);
  });
});

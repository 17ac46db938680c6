import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { withTempHome } from "../_temp_home.ts";

const PROJECT = fileURLToPath(new URL("../../", import.meta.url));
const denortBin = Deno.env.get("DENORT_BIN");

async function run(program: string, args: string[], env: Record<string, string> = {}) {
  const { code, stdout, stderr } = await new Deno.Command(program, {
    args,
    cwd: PROJECT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code,
    stdout: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
  };
}

/** Enqueue, start a worker, wait, check the log, stop: through the given queuectl command. */
async function endToEnd(
  queuectl: string,
  home: string,
  env: Record<string, string>,
): Promise<void> {
  const q = (...args: string[]) => run(queuectl, ["--home", home, ...args], env);
  const enqueued = await q(
    "enqueue",
    '{"id":"hello","command":"echo hello from $QUEUECTL_JOB_ID"}',
  );
  assert.equal(enqueued.code, 0, enqueued.stderr);
  const started = await q("worker", "start");
  assert.equal(started.code, 0, started.stderr);
  try {
    const waited = await q("wait", "hello", "--timeout", "30");
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal((await q("logs", "hello")).stdout, "hello from hello\n");
  } finally {
    const stopped = await q("worker", "stop", "--timeout", "30");
    assert.equal(stopped.code, 0, stopped.stderr);
  }
}

Deno.test("deno task install puts a queuectl command that works without deno on PATH", async () => {
  await withTempHome(async (root) => {
    const env = {
      DENO_INSTALL_ROOT: root,
      PATH: `${dirname(Deno.execPath())}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
    };
    const installed = await run(Deno.execPath(), ["task", "install"], env);
    assert.equal(installed.code, 0, installed.stderr);
    const shim = join(root, "bin", "queuectl");
    assert.match(installed.stdout, new RegExp(`installed ${shim}`));
    const text = await Deno.readTextFile(shim);
    assert.ok(!/ -A |--allow-all/.test(text), "the shim never uses -A");
    const { PERMISSION_FLAGS } = await import("../../src/permissions.ts");
    const flags = [...text.matchAll(/'(--allow[^']*)'/g)].map((m) => m[1]);
    assert.deepEqual(flags, PERMISSION_FLAGS, "the shim has exactly queuectl's permission flags");
    assert.match(text, /'--no-prompt'/);
    // A machine where only npx has deno: PATH holds the usual tools, but no deno.
    const tools = join(root, "tools");
    await Deno.mkdir(tools);
    for (const tool of ["sh", "cat", "grep", "sleep", "env"]) {
      await Deno.symlink(`/bin/${tool}`, join(tools, tool));
    }
    const bare = { PATH: tools, HOME: root };
    const which = await run("/bin/sh", ["-c", "command -v deno || echo none"], bare);
    assert.equal(which.stdout.trim(), "none");
    await endToEnd(shim, join(root, "home"), bare);
  });
});

Deno.test({
  name: denortBin
    ? "deno task compile builds dist/queuectl, which runs end to end"
    : "deno task compile builds dist/queuectl (SKIPPED: set DENORT_BIN to a denort binary)",
  ignore: !denortBin,
  async fn() {
    await withTempHome(async (home) => {
      const compiled = await run(Deno.execPath(), ["task", "compile"], { DENORT_BIN: denortBin! });
      assert.equal(compiled.code, 0, compiled.stderr);
      await endToEnd(join(PROJECT, "dist", "queuectl"), home, {});
    });
  },
});

/**
 * `queuectl dashboard` as a command: it announces its URL, serves with network permission for its
 * own address only (in a child process), stops on SIGTERM and when its starter dies, asks for a
 * token off loopback, and the rest of queuectl never loads its code.
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { waitFor, withTempHome } from "../_temp_home.ts";
import { queuectl } from "../cli/_cli.ts";
import { startDashboard } from "./_dashboard.ts";

async function reachable(origin: string): Promise<boolean> {
  try {
    const response = await fetch(`${origin}/healthz`);
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

async function childrenOf(pid: number): Promise<number[]> {
  const { stdout } = await new Deno.Command("ps", { args: ["-o", "pid=", "--ppid", String(pid)] })
    .output();
  return new TextDecoder().decode(stdout).split("\n").map((s) => s.trim()).filter(Boolean)
    .map(Number);
}

Deno.test("dashboard serves on loopback with network permission for its address only, and stops on SIGTERM", async () => {
  await withTempHome(async (home) => {
    const dashboard = await startDashboard(home);
    try {
      assert.match(dashboard.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      assert.equal(dashboard.token, null);
      const health = await fetch(`${dashboard.origin}/healthz`);
      assert.equal(await health.text(), "ok\n");
      const [server] = await childrenOf(dashboard.process.pid);
      assert.ok(server, "the server runs as a child process");
      // Deno grants /proc only to --allow-all: read it through cat, as queuectl does.
      const cmdline = await new Deno.Command("cat", { args: [`/proc/${server}/cmdline`] }).output();
      const argv = new TextDecoder().decode(cmdline.stdout).split("\0");
      const flags = argv.filter((arg) => arg.startsWith("--allow") || arg === "-A");
      assert.equal(
        flags.filter((f) => f.startsWith("--allow-net")).join(),
        "--allow-net=127.0.0.1:0",
      );
      assert.ok(!flags.includes("-A") && !flags.includes("--allow-all"));
      assert.ok(argv.join(" ").includes(`dashboard serve --home ${home} --listen 127.0.0.1:0`));
    } finally {
      assert.equal(await dashboard.stop(), 0, dashboard.stderr());
    }
    assert.equal(await reachable(dashboard.origin), false, "nothing listens after the stop");
  });
});

Deno.test({
  name: "the server stops when the dashboard command is killed (its pipe closes)",
  async fn() {
    await withTempHome(async (home) => {
      const dashboard = await startDashboard(home);
      const [server] = await childrenOf(dashboard.process.pid);
      dashboard.process.kill("SIGKILL");
      await dashboard.stop();
      await waitFor(
        "the server to stop",
        async () => (await reachable(dashboard.origin)) ? undefined : true,
        10_000,
      );
      await waitFor("the server process to exit", async () => {
        const ps = await new Deno.Command("ps", { args: ["-p", String(server)], stdout: "null" })
          .output();
        return ps.success ? undefined : true;
      }, 10_000);
    });
  },
});

Deno.test("off loopback, a token is generated and printed, and every request needs it", async () => {
  await withTempHome(async (home) => {
    const dashboard = await startDashboard(home, ["--listen", "0.0.0.0:0"]);
    try {
      const token = dashboard.token!;
      assert.match(token, /^[A-Za-z0-9_-]{40,}$/);
      assert.equal(dashboard.url, `http://127.0.0.1:${dashboard.port}/?token=${token}`);
      const denied = await fetch(`${dashboard.origin}/metrics`);
      assert.equal(denied.status, 401);
      await denied.body?.cancel();
      const allowed = await fetch(`${dashboard.origin}/metrics`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(allowed.status, 200);
      assert.match(await allowed.text(), /# TYPE queuectl_jobs gauge/);
    } finally {
      assert.equal(await dashboard.stop(), 0, dashboard.stderr());
    }
  });
});

Deno.test("dashboard refuses a bad address or token with exit 2, and a taken port with exit 1", async () => {
  await withTempHome(async (home) => {
    const bad = await queuectl(home, ["dashboard", "--listen", "localhost"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Option --listen must be HOST:PORT/);
    const short = await queuectl(home, ["dashboard", "--token", "abc"]);
    assert.equal(short.code, 2);
    assert.match(short.stderr, /Option --token must be 16-512 characters/);
    const first = await startDashboard(home);
    try {
      const taken = await queuectl(home, ["dashboard", "--listen", `127.0.0.1:${first.port}`]);
      assert.equal(taken.code, 1);
      assert.match(taken.stderr, /Cannot listen on 127\.0\.0\.1:\d+: the address is in use/);
    } finally {
      await first.stop();
    }
  });
});

Deno.test("no other command loads the dashboard's code: src/web is only imported dynamically", async () => {
  const main = fileURLToPath(new URL("../../main.ts", import.meta.url));
  const { stdout, success } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", main],
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.ok(success);
  const graph = JSON.parse(new TextDecoder().decode(stdout)) as {
    roots: string[];
    modules: {
      specifier: string;
      dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
    }[];
  };
  const bySpecifier = new Map(graph.modules.map((m) => [m.specifier, m]));
  const reached = new Set<string>();
  const stack = [...graph.roots];
  while (stack.length > 0) {
    const specifier = stack.pop()!;
    if (reached.has(specifier)) continue;
    reached.add(specifier);
    for (const dependency of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dependency.code && !dependency.isDynamic) stack.push(dependency.code.specifier);
    }
  }
  const web = [...reached].filter((s) => s.includes("/src/web/") || s.includes("uplot"));
  assert.deepEqual(web, []);
  assert.ok([...bySpecifier.keys()].some((s) => s.endsWith("/src/web/server.ts")), "it is there");
});

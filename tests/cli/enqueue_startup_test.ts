/**
 * What keeps `queuectl enqueue` quick to start (issue 14): the bound on the lock wait is free to
 * arm, and nothing else on its path sets a timer.
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { COMMANDS } from "../../src/cli/commands.ts";
import { enqueueCommand } from "../../src/cli/enqueue.ts";
import { QueueLock } from "../../src/journal/queue_lock.ts";
import { PERMISSION_FLAGS } from "../../src/permissions.ts";
import { setWaitTimeout } from "../../src/platform/wait_timer.ts";
import { withTempHome } from "../_temp_home.ts";

const WAIT_TIMER = new URL("../../src/platform/wait_timer.ts", import.meta.url).href;
const ROOT = new URL("../../", import.meta.url).href;
const RUN_CLI = new URL("../../src/cli/run_cli.ts", import.meta.url).href;
const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));

interface ModuleInfo {
  specifier: string;
  dependencies?: { isDynamic?: boolean; code?: { specifier: string } }[];
}

/** The modules `main.ts` loads before running anything: its static imports, transitively. */
async function staticGraph(): Promise<string[]> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", fileURLToPath(new URL("main.ts", ROOT))],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const info = JSON.parse(new TextDecoder().decode(stdout)) as {
    roots: string[];
    modules: ModuleInfo[];
  };
  const modules = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const stack = [...info.roots];
  while (stack.length > 0) {
    const specifier = stack.pop()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dependency of modules.get(specifier)?.dependencies ?? []) {
      if (!dependency.isDynamic && dependency.code) stack.push(dependency.code.specifier);
    }
  }
  return [...seen].map((specifier) => specifier.replace(ROOT, ""));
}

Deno.test("a line that starts with enqueue names the enqueue command and no other", () => {
  const named = COMMANDS.filter((spec) => spec.name[0] === enqueueCommand.name[0]);
  assert.deepEqual(named, [enqueueCommand]);
  assert.deepEqual(enqueueCommand.name, ["enqueue"]);
});

Deno.test("queuectl loads the other commands, help, workers, the dashboard only when asked", async () => {
  const graph = await staticGraph();
  assert.ok(graph.includes("src/cli/enqueue.ts"), graph.join(" "));
  assert.ok(graph.includes("src/queue/journal_submit.ts"), graph.join(" "));
  const eager = graph.filter((path) =>
    /^src\/(worker|web)\//.test(path) ||
    ["src/cli/commands.ts", "src/cli/help.ts", "src/cli/status.ts", "src/cli/store_network.ts"]
      .includes(path)
  );
  assert.deepEqual(eager, []);
});

Deno.test("queuectl loads what enqueue never runs only when it is used", async () => {
  const graph = await staticGraph();
  const lazy = [
    // The short reads of status, list and show.
    "src/queue/fast_reads.ts",
    "src/queue/snapshot_reader.ts",
    "src/queue/status_tally.ts",
    "src/journal/line_reader.ts",
    // Compaction and retention.
    "src/queue/snapshot.ts",
    "src/queue/dropped_job_logs.ts",
    // doctor.
    "src/journal/inspect.ts",
    "src/journal/repair.ts",
    "src/journal/storage_checks.ts",
    // Naming the holder of a lock waited on too long.
    "src/journal/lock_holder.ts",
    // cancel, retry, schedules.
    "src/queue/cancel_retry.ts",
    "src/queue/schedules.ts",
    "src/queue/cron.ts",
    // The store and the state: a plain enqueue on the journal appends without them.
    "src/queue/journal_store.ts",
    "src/queue/reducer.ts",
    "src/queue/state.ts",
    "src/queue/claim_queue.ts",
    "src/queue/stats.ts",
  ];
  const eager = graph.filter((path) =>
    lazy.includes(path) ||
    path.startsWith("src/postgres/") && path !== "src/postgres/database_url.ts"
  );
  assert.deepEqual(eager, []);
});

Deno.test("setWaitTimeout fires after its delay while an operation is pending", async () => {
  const started = performance.now();
  const { promise, resolve } = Promise.withResolvers<number>();
  setWaitTimeout(() => resolve(performance.now() - started), 50);
  // A child process is what keeps this test's event loop alive, as a pending flock does.
  const child = new Deno.Command("sleep", { args: ["2"] }).spawn();
  try {
    const elapsed = await promise;
    assert.ok(elapsed >= 45 && elapsed < 1500, `fired after ${Math.round(elapsed)} ms`);
  } finally {
    child.kill();
    await child.status;
  }
});

Deno.test("setWaitTimeout: a cleared timer never fires; 0 fires on the next tick", async () => {
  let fired = 0;
  const cleared = setWaitTimeout(() => fired++, 20);
  cleared.clear();
  cleared.clear();
  const { promise, resolve } = Promise.withResolvers<void>();
  setWaitTimeout(resolve, 0);
  await promise;
  const child = new Deno.Command("sleep", { args: ["0.2"] }).spawn();
  await child.status;
  assert.equal(fired, 0);
});

Deno.test("setWaitTimeout does not keep a process alive, so a one-shot command ends at once", async () => {
  await withTempHome(async (dir) => {
    const script = `${dir}/script.ts`;
    await Deno.writeTextFile(
      script,
      `import { setWaitTimeout } from "${WAIT_TIMER}";\n` +
        `setWaitTimeout(() => console.log("fired"), 30_000);\n`,
    );
    const started = performance.now();
    const { code, stdout } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--no-config", script],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    assert.equal(code, 0);
    assert.equal(new TextDecoder().decode(stdout), "");
    assert.ok(performance.now() - started < 20_000, "it waited for the timer");
  });
});

Deno.test("a command takes a free queue lock without arming a setTimeout", async () => {
  await withTempHome(async (home) => {
    const lock = QueueLock.open(`${home}/queue.lock`);
    const original = globalThis.setTimeout;
    let armed = 0;
    globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
      armed++;
      return original(...args);
    }) as typeof setTimeout;
    try {
      const wait = { timeoutMs: 30_000, onTimeout: "fail" as const };
      assert.equal(await lock.withLock(() => Promise.resolve("done"), wait), "done");
    } finally {
      globalThis.setTimeout = original;
      lock.release();
    }
    assert.equal(armed, 0);
  });
});

Deno.test("enqueue, with an id or without, runs to its answer without a setTimeout", async () => {
  await withTempHome(async (dir) => {
    const script = `${dir}/no_timers.ts`;
    await Deno.writeTextFile(
      script,
      `globalThis.setTimeout = () => { throw new Error("setTimeout called"); };\n` +
        `const { runCli } = await import("${RUN_CLI}");\n` +
        `Deno.exit(await runCli(Deno.args));\n`,
    );
    for (const job of ['{"command":"true"}', '{"id":"given","command":"true"}']) {
      const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--quiet",
          "--no-prompt",
          ...PERMISSION_FLAGS,
          `--config=${CONFIG}`,
          script,
          "--home",
          `${dir}/home`,
          "enqueue",
          "--debug",
          job,
        ],
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(code, 0, new TextDecoder().decode(stderr));
      assert.match(new TextDecoder().decode(stdout), /^\S+\n$/);
    }
  });
});

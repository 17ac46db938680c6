import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { ValidationError } from "../../src/errors.ts";
import { Journal } from "../../src/journal/mod.ts";
import { lockHolderPid } from "../../src/journal/lock_holder.ts";
import { lockTimeoutFromEnvironment } from "../../src/journal/queue_lock.ts";
import { PERMISSION_FLAGS } from "../../src/permissions.ts";
import { readProcFile } from "../../src/platform/proc_files.ts";
import { spawnFixture } from "../_processes.ts";
import { waitFor, withTempHome } from "../_temp_home.ts";
import { listReducer } from "./_list_reducer.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));

/** Runs queuectl as a user would, killed if it has not finished within `deadlineMs`. */
async function queuectl(
  home: string,
  args: string[],
  env: Record<string, string> = {},
  deadlineMs = 20_000,
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-prompt", ...PERMISSION_FLAGS, `--config=${CONFIG}`, MAIN]
      .concat(["--home", home, ...args]),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), deadlineMs);
  try {
    const { code, stdout, stderr } = await child.output();
    const decoder = new TextDecoder();
    const ms = performance.now() - started;
    return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr), ms };
  } finally {
    clearTimeout(timer);
  }
}

/** Kills a stopped process: SIGKILL, then SIGCONT in case it needs waking; gone already is fine. */
function endProcess(pid: number): void {
  for (const signal of ["SIGKILL", "SIGCONT"] as const) {
    try {
      Deno.kill(pid, signal);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
}

/**
 * Runs `body` while a separate process holds the home's lock and is stopped (SIGSTOP); resumes
 * and kills it afterwards, whatever happens.
 */
async function withStoppedHolder(home: string, body: (pid: number) => Promise<void>) {
  const holder = spawnFixture("fixtures/lock_holder.ts", [home]);
  const stdout = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let printed = "";
    while (!printed.includes("locked\n")) {
      const { value, done } = await stdout.read();
      if (done) throw new Error("The lock holder exited before taking the lock");
      printed += value;
    }
    Deno.kill(holder.pid, "SIGSTOP");
    await waitFor("the lock holder to be stopped", async () => {
      const stat = await readProcFile(`/proc/${holder.pid}/stat`);
      return stat?.slice(stat.lastIndexOf(")") + 2).startsWith("T") ? true : undefined;
    });
    await body(holder.pid);
  } finally {
    endProcess(holder.pid);
    await holder.status;
    await stdout.cancel();
    await holder.stderr.cancel();
  }
}

Deno.test("a command gives up on a lock held by a stopped process, naming it, and reads go on", async () => {
  await withTempHome(async (home) => {
    const enqueued = await queuectl(home, ["enqueue", '{"id":"first","command":"true"}']);
    assert.equal(enqueued.code, 0, enqueued.stderr);
    await withStoppedHolder(home, async (pid) => {
      const env = { QUEUECTL_LOCK_TIMEOUT: "1" };
      // Both write paths: the blind append (generated id) and a transaction (explicit id).
      for (const job of ['{"command":"true"}', '{"id":"second","command":"true"}']) {
        const result = await queuectl(home, ["enqueue", job], env);
        assert.equal(result.code, 1, result.stderr);
        assert.ok(result.ms < 10_000, `gave up after ${Math.round(result.ms)} ms`);
        const lines = result.stderr.trim().split("\n");
        assert.equal(lines.length, 1, result.stderr);
        assert.match(lines[0]!, /^queuectl: Timed out after 1s waiting for the queue lock "/);
        assert.ok(lines[0]!.includes(`held by pid ${pid} (stopped)`), lines[0]);
        assert.ok(lines[0]!.includes(`"kill -CONT ${pid}"`), lines[0]);
        assert.ok(lines[0]!.includes(`"kill ${pid}"`), lines[0]);
      }
      // Reads take no lock.
      for (const args of [["status"], ["list"], ["show", "first"]]) {
        const result = await queuectl(home, args, env);
        assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
      }
    });
    const after = await queuectl(home, ["enqueue", '{"id":"second","command":"true"}']);
    assert.equal(after.code, 0, after.stderr);
  });
});

Deno.test("a long-lived process told about a stopped lock holder keeps waiting and then proceeds", async () => {
  await withTempHome(async (home) => {
    const messages: string[] = [];
    const journal = await Journal.open(home, {
      reducer: listReducer(),
      lockTimeoutMs: 200,
      onLockWait: (message) => messages.push(message),
    });
    await withStoppedHolder(home, async (pid) => {
      const pending = journal.transact(() => ({ records: [{ op: "add", n: 1 }], result: "done" }));
      await waitFor("the wait to be reported", () => messages.length > 0 ? true : undefined);
      assert.match(messages[0]!, /^Waiting for the queue lock ".*queue\.lock" held by pid \d+/);
      assert.ok(messages[0]!.includes(`pid ${pid} (stopped)`), messages[0]);
      // Let the holder go (it dies with the lock): the wait ends and the transaction runs.
      endProcess(pid);
      assert.equal(await pending, "done");
    });
    assert.equal(messages.length, 1, "told once");
    assert.deepEqual(journal.state.values, [1]);
    await journal.close();
  });
});

Deno.test("/proc/locks names the holder of the lock file, never a process waiting for it", () => {
  const locks = [
    "1: POSIX  ADVISORY  READ 300 fe:00:16040057 128 128",
    "2: FLOCK  ADVISORY  WRITE 4242 fe:00:2146594 0 EOF",
    "2: -> FLOCK  ADVISORY  WRITE 5151 fe:00:2146594 0 EOF",
    "3: FLOCK  ADVISORY  WRITE 777 08:01:2146594 0 EOF",
  ].join("\n");
  assert.equal(lockHolderPid(locks, 2146594, 0xfe00), 4242);
  assert.equal(lockHolderPid(locks, 2146594, 0x0801), 777);
  assert.equal(lockHolderPid(locks, 2146594), 4242);
  assert.equal(lockHolderPid(locks, 99), undefined);
  assert.equal(lockHolderPid(locks.split("\n").slice(2).join("\n"), 2146594, 0x1234), 777);
});

Deno.test("QUEUECTL_LOCK_TIMEOUT sets the bound in seconds, 0 for none, and refuses nonsense", () => {
  const saved = Deno.env.get("QUEUECTL_LOCK_TIMEOUT");
  try {
    Deno.env.delete("QUEUECTL_LOCK_TIMEOUT");
    assert.equal(lockTimeoutFromEnvironment(), 30_000);
    Deno.env.set("QUEUECTL_LOCK_TIMEOUT", "1.5");
    assert.equal(lockTimeoutFromEnvironment(), 1500);
    Deno.env.set("QUEUECTL_LOCK_TIMEOUT", "0");
    assert.equal(lockTimeoutFromEnvironment(), Infinity);
    Deno.env.set("QUEUECTL_LOCK_TIMEOUT", "soon");
    assert.throws(() => lockTimeoutFromEnvironment(), ValidationError);
  } finally {
    if (saved === undefined) Deno.env.delete("QUEUECTL_LOCK_TIMEOUT");
    else Deno.env.set("QUEUECTL_LOCK_TIMEOUT", saved);
  }
});

Deno.test("a bounded wait that gives up leaves the lock usable by the next section", async () => {
  await withTempHome(async (home) => {
    const holder = await Journal.open(home, { reducer: listReducer(), lockTimeoutMs: 100 });
    const waiter = await Journal.open(home, { reducer: listReducer(), lockTimeoutMs: 100 });
    const { promise: release, resolve } = Promise.withResolvers<void>();
    const { promise: holding, resolve: held } = Promise.withResolvers<void>();
    const busy = holder.transact(async () => {
      held();
      await release;
      return { records: [{ op: "add", n: 1 }], result: undefined };
    });
    await holding;
    await assert.rejects(
      waiter.transact(() => ({ records: [{ op: "add", n: 2 }], result: undefined })),
      /Timed out after 0\.1s waiting for the queue lock/,
    );
    resolve();
    await busy;
    await waiter.transact(() => ({ records: [{ op: "add", n: 3 }], result: undefined }));
    assert.deepEqual(waiter.state.values, [1, 3]);
    await holder.close();
    await waiter.close();
    assert.ok(await Deno.lstat(join(home, "queue.lock")));
  });
});

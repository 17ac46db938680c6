/**
 * `worker start --foreground` as a person uses it on a terminal, and as scripts written for the
 * Python QueueCTL use it (`worker start &`, later `kill` of that pid).
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { PERMISSION_FLAGS } from "../../src/permissions.ts";
import { waitFor } from "../_temp_home.ts";
import type { WorkerEntry } from "../../src/queue/mod.ts";
import { type JobJson, json, ok, openStoreOf, storeEnv, waitForJob, withQueue } from "./_cli.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));

function foregroundArgs(home: string): string[] {
  return [
    "run",
    "--quiet",
    "--no-prompt",
    ...PERMISSION_FLAGS,
    `--config=${CONFIG}`,
    MAIN,
    "--home",
    home,
    "worker",
    "start",
    "--foreground",
  ];
}

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

async function workers(home: string): Promise<WorkerEntry[]> {
  const store = await openStoreOf(home);
  try {
    return await store.listWorkers();
  } finally {
    await store.close();
  }
}

Deno.test("workers of a SIGKILLed worker start --foreground notice and drain", async () => {
  await withQueue(async (home) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: foregroundArgs(home),
      stdin: "null",
      stdout: "null",
      stderr: "null",
      env: storeEnv(home),
    }).spawn();
    await ok(home, ["enqueue", '{"id":"j","command":"sleep 1"}']);
    await waitForJob(home, "j", (job) => job.state === "processing", "the job to start");
    child.kill("SIGKILL");
    await child.status;
    await waitForJob(home, "j", (job) => job.state === "completed", "the job to finish");
    await waitFor("the worker to drain and exit", async () => {
      const all = await workers(home);
      return all.length === 1 && all[0]!.status === "stopped" ? true : undefined;
    });
  });
});

Deno.test("on a terminal, the first Ctrl-C says it drains and how to stop now; the second stops now", async () => {
  await withQueue(async (home) => {
    // `exec`: as from an interactive shell, queuectl alone gets the Ctrl-C. Without it, `script`'s
    // shell (dash, where CI has no SHELL) stays in the terminal's process group, dies of the
    // SIGINT itself, and `script` reports its 130 whatever queuectl did.
    const command = "exec " + [Deno.execPath(), ...foregroundArgs(home)].map(quote).join(" ");
    const terminal = new Deno.Command("script", {
      args: ["-qec", command, "/dev/null"],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
      env: { NO_COLOR: "1", SHELL: "/bin/sh", ...storeEnv(home) },
    }).spawn();
    const writer = terminal.stdin.getWriter();
    let screen = "";
    const reading = (async () => {
      for await (const chunk of terminal.stdout.pipeThrough(new TextDecoderStream())) {
        screen += chunk;
      }
    })();
    try {
      await waitFor(
        "the workers to start",
        () => /running in the foreground/.test(screen) || undefined,
      );
      await ok(home, ["enqueue", '{"id":"j","command":"sleep 30"}']);
      await waitForJob(home, "j", (job) => job.state === "processing", "the job to start");
      await writer.write(new Uint8Array([3])); // Ctrl-C
      await waitFor(
        "the drain notice",
        () => /Draining: .*Ctrl-C again to stop now/.test(screen) || undefined,
      );
      assert.equal((await json<JobJson>(home, ["show", "j"])).state, "processing", "still running");
      await writer.write(new Uint8Array([3]));
      await waitFor("the stop-now notice", () => /Stopping now/.test(screen) || undefined);
      const job = await waitForJob(
        home,
        "j",
        (j) => j.state === "pending",
        "the job to be requeued",
      );
      assert.equal(job.attempts, 0);
      const { code } = await terminal.status;
      assert.equal(code, 0, screen);
    } finally {
      await writer.close().catch(() => {});
      await reading;
    }
  });
});

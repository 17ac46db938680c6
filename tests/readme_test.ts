/**
 * The README's commands, run as written: every `queuectl …` line of its `sh` blocks runs in order
 * against one queue home, through a `queuectl` on PATH as the installed command would be, and must
 * succeed; every `npx -y deno@2.9.6 task …` line names a task that exists, and the demo runs.
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { PERMISSION_FLAGS } from "../src/permissions.ts";
import { postgresAvailable, withDatabase } from "./_postgres.ts";
import { withTempHome } from "./_temp_home.ts";

const PROJECT = fileURLToPath(new URL("../", import.meta.url));
const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

/** The lines of the README's ```sh blocks, in order. */
async function shellLines(): Promise<string[]> {
  const text = await Deno.readTextFile(join(PROJECT, "README.md"));
  const lines: string[] = [];
  for (const block of text.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split("\n")) if (line.trim() !== "") lines.push(line.trim());
  }
  return lines;
}

async function hasProgram(name: string): Promise<boolean> {
  const { success } = await new Deno.Command("sh", { args: ["-c", `command -v ${name}`] })
    .output();
  return success;
}

Deno.test({
  name: "every queuectl command in the README runs as written and succeeds",
  // `worker start` leaves detached workers; the README itself stops them (`worker stop`).
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (await postgresAvailable()) await withDatabase((url) => runReadme(url));
    else await runReadme(undefined);
  },
});

/** Runs the README's lines; those of its PostgreSQL section against `database`, if given. */
async function runReadme(database: string | undefined): Promise<void> {
  await withTempHome(async (root) => {
    const bin = join(root, "bin");
    await Deno.mkdir(bin);
    const queuectl = [Deno.execPath(), "run", "--quiet", "--no-prompt", ...PERMISSION_FLAGS]
      .concat([`--config=${join(PROJECT, "deno.json")}`, join(PROJECT, "main.ts")])
      .map(quote).join(" ");
    await Deno.writeTextFile(join(bin, "queuectl"), `#!/bin/sh\nexec ${queuectl} "$@"\n`, {
      mode: 0o755,
    });
    const env: Record<string, string> = {
      PATH: `${bin}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
      HOME: root,
      QUEUECTL_HOME: join(root, "queue"),
      NO_COLOR: "1",
    };
    const tasks = Object.keys(
      JSON.parse(await Deno.readTextFile(join(PROJECT, "deno.json"))).tasks,
    );
    const jq = await hasProgram("jq");
    let ran = 0;
    let skipping = false;
    for (const line of await shellLines()) {
      const task = /^npx -y deno@2\.9\.6 task (\S+)/.exec(line);
      if (task) {
        assert.ok(tasks.includes(task[1]!), `the README's "${line}" names a task of deno.json`);
        continue;
      }
      if (line.startsWith("export PATH=")) continue; // what the test's PATH already does
      // The PostgreSQL section: its lines run against a fresh database of the test server
      // (the README's URL names a database this machine need not have), or are skipped.
      const store = /^export QUEUECTL_STORE=(\S+)$/.exec(line);
      if (store) {
        assert.match(store[1]!, /^postgres:\/\//);
        if (database) env.QUEUECTL_STORE = database;
        else {
          skipping = true;
          // deno-lint-ignore no-console
          console.warn("skipped (no PostgreSQL server for tests): the README's PostgreSQL lines");
        }
        continue;
      }
      if (line === "unset QUEUECTL_STORE") {
        delete env.QUEUECTL_STORE;
        skipping = false;
        continue;
      }
      if (skipping) continue;
      assert.match(
        line,
        /(^|\| )queuectl /,
        `a README command this test knows how to run: ${line}`,
      );
      if (!jq && /\| jq\b/.test(line)) {
        // deno-lint-ignore no-console
        console.warn(`skipped (no jq on this machine): ${line}`);
        continue;
      }
      const { code, stdout, stderr } = await new Deno.Command("sh", {
        args: ["-c", line],
        cwd: root,
        env,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const output = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
      assert.equal(code, 0, `README: ${line}\n${output}`);
      ran++;
    }
    assert.ok(ran >= 20, `ran ${ran} commands`);
    const status = await new Deno.Command("sh", {
      args: ["-c", "queuectl status --json"],
      env,
      stdout: "piped",
    }).output();
    const workers = JSON.parse(new TextDecoder().decode(status.stdout)).workers as {
      status: string;
    }[];
    assert.deepEqual(
      workers.filter((w) => w.status === "running"),
      [],
      "the README stops its workers",
    );
  });
}

Deno.test("the README's demo (npx -y deno@2.9.6 task demo) runs a real queue and ends verified", async () => {
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "demo"],
    cwd: PROJECT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout);
  assert.equal(code, 0, text);
  assert.match(text, /journal verified/);
});

/**
 * The ways a job's start can go wrong that the resident launcher and `setsid(1)` bring, and what
 * the worker does then: perl or setsid missing (the next way), the launcher killed (the run fails
 * saying so, its processes are killed, the next job starts a new launcher; one that keeps dying
 * is given up), the worker killed (the launcher kills its jobs), a Ctrl-C to the worker's group
 * (reaches no job), no zombies, and a worker that ends is not kept alive by its launcher.
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import type { ExecutionResult } from "../../src/worker/executor.ts";
import { jobStartWay, launcherPid } from "../../src/worker/job_process.ts";
import { waitFor, withTempHome } from "../_temp_home.ts";
import { alive, idsOf, pidIn, withWay } from "./_jobs.ts";

const FIXTURE = new URL("./_run_job.ts", import.meta.url).pathname;

Deno.test("without setsid(1), jobs start detached, alone in their session", async () => {
  await withWay(
    { ways: ["setsid"], setsidPaths: ["/nonexistent/setsid"] },
    async (_home, run) => {
      assert.equal(await jobStartWay(), "detached");
      const { log } = await run({ command: 'read -r s < /proc/self/stat; echo "$s"' });
      const ids = idsOf(log);
      assert.deepEqual([ids.pgrp, ids.session], [ids.pid, ids.pid]);
    },
  );
});

Deno.test("a setsid(1) that does not make the job its session's leader is not used", async () => {
  await withTempHome(async (dir) => {
    const fake = join(dir, "setsid");
    await Deno.writeTextFile(fake, '#!/bin/sh\nexec "$@"\n', { mode: 0o755 });
    await withWay({ ways: ["setsid"], setsidPaths: [fake] }, async (_home, run) => {
      assert.equal(await jobStartWay(), "detached");
      const { log } = await run({ command: 'read -r s < /proc/self/stat; echo "$s"' });
      const ids = idsOf(log);
      assert.deepEqual([ids.pgrp, ids.session], [ids.pid, ids.pid]);
    });
  });
});

Deno.test("without perl, jobs start with setsid(1)", async () => {
  await withWay({ perl: "/nonexistent/perl" }, async (_home, run) => {
    assert.equal(await jobStartWay(), "setsid");
    assert.equal(await launcherPid(), undefined);
    const { result } = await run({ command: "exit 4" });
    assert.equal(result.exitCode, 4);
  });
});

Deno.test("a user's perl settings neither break the launcher nor are lost for jobs", async () => {
  const settings = {
    PERL5OPT: "-Mqueuectl_no_such_module",
    PERLIO: ":utf8",
    PERL_UNICODE: "SDA",
  };
  for (const [name, value] of Object.entries(settings)) Deno.env.set(name, value);
  try {
    await withWay("launcher", async (_home, run) => {
      const { result, log } = await run({ command: 'echo "$PERL5OPT|$PERLIO|$PERL_UNICODE"' });
      assert.equal(result.exitCode, 0);
      assert.equal(log, "-Mqueuectl_no_such_module|:utf8|SDA\n");
    });
  } finally {
    for (const name of Object.keys(settings)) Deno.env.delete(name);
  }
});

Deno.test("the launcher killed while a job runs: the run fails saying so, its processes are killed, the next job starts a new launcher", async () => {
  await withWay("launcher", async (home, run) => {
    const first = (await launcherPid())!;
    const shell = join(home, "shell.pid");
    const child = join(home, "child.pid");
    const running = run({ command: `sleep 300 & echo $! > ${child}; echo $$ > ${shell}; wait` });
    const pid = await waitFor("the job to start", () => pidIn(shell));
    Deno.kill(first, "SIGKILL");
    const { result } = await running;
    assert.equal(result.exitCode, null);
    assert.equal(result.signal, null);
    assert.match(
      result.error ?? "",
      /^killed: the launcher was killed by SIGKILL while the job ran/,
    );
    // Found by their markers: nothing of the run is left.
    assert.equal(await alive(pid), false);
    assert.equal(await alive((await pidIn(child))!), false);
    const { result: next } = await run({ command: "exit 5" });
    assert.equal(next.exitCode, 5);
    const second = await launcherPid();
    assert.ok(second !== undefined && second !== first, "a new launcher");
  });
});

Deno.test("a launcher that keeps dying is given up: jobs start with setsid(1)", async () => {
  await withWay({}, async (_home, run) => {
    const pids: number[] = [];
    for (let death = 0; death < 4; death++) {
      assert.equal(await jobStartWay(), "launcher");
      const pid = (await launcherPid())!;
      pids.push(pid);
      Deno.kill(pid, "SIGKILL");
      await waitFor("the launcher to die", async () => !(await alive(pid)) || undefined);
      assert.equal((await run({ command: "exit 6" })).result.exitCode, 6);
    }
    assert.equal(new Set(pids).size, 4);
    assert.equal(await jobStartWay(), "setsid");
    assert.equal(await launcherPid(), undefined);
  });
});

Deno.test("the launcher reaps every job it started: no zombies", async () => {
  await withWay("launcher", async (home, run) => {
    const launcher = (await launcherPid())!;
    await Promise.all(Array.from({ length: 10 }, (_, i) => run({ command: `exit ${i % 3}` })));
    await run({ cwd: join(home, "missing") });
    const { stdout } = await new Deno.Command("/bin/sh", {
      args: ["-c", "cat /proc/[0-9]*/stat 2>/dev/null"],
      stdout: "piped",
    }).output();
    const children = new TextDecoder().decode(stdout).split("\n").filter((stat) => {
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return Number(fields[1]) === launcher;
    });
    assert.deepEqual(children, [], "the launcher has no child left, zombie or not");
  });
});

/** Starts the fixture worker on a job; `group`: in a process group of its own. */
function startWorker(home: string, command: string, flags: string[] = [], group = false) {
  const request = {
    jobId: "fixture-job",
    attempt: 1,
    run: 1,
    workerId: "w-fixture",
    command,
    cwd: home,
    env: null,
    timeout: null,
    logPath: join(home, "logs", "fixture-job", "1.log"),
  };
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--allow-read",
      "--allow-write",
      "--allow-run",
      "--allow-env",
      "--allow-sys=hostname,uid",
      FIXTURE,
      JSON.stringify(request),
      JSON.stringify({ ways: ["launcher"] }),
      ...flags,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: group,
  }).spawn();
}

Deno.test("a worker killed with SIGKILL: its launcher kills the jobs it runs at once", async () => {
  await withTempHome(async (home) => {
    const shell = join(home, "shell.pid");
    const worker = startWorker(home, `echo $$ > ${shell}; sleep 300`);
    const pid = await waitFor("the job to start", () => pidIn(shell));
    worker.kill("SIGKILL");
    await worker.output();
    await waitFor("the job to be killed", async () => !(await alive(pid)) || undefined, 5_000);
  });
});

Deno.test("a Ctrl-C to the worker's process group reaches neither its launcher nor its jobs", async () => {
  await withTempHome(async (home) => {
    const shell = join(home, "shell.pid");
    const done = join(home, "done");
    const worker = startWorker(
      home,
      `echo $$ > ${shell}; while [ ! -e ${done} ]; do sleep 0.05; done`,
      ["--ignore-sigint"],
      true,
    );
    await waitFor("the job to start", () => pidIn(shell));
    Deno.kill(-worker.pid, "SIGINT");
    // Let the SIGINT land before the job ends by itself.
    await new Deno.Command("/bin/sh", { args: ["-c", "sleep 0.3"] }).output();
    await Deno.writeTextFile(done, "");
    const { code, stdout } = await worker.output();
    assert.equal(code, 0);
    const result: ExecutionResult = JSON.parse(new TextDecoder().decode(stdout));
    assert.equal(result.error, null);
    assert.equal(result.exitCode, 0);
  });
});

Deno.test("a worker whose launcher is idle ends by itself", async () => {
  await withTempHome(async (home) => {
    const worker = startWorker(home, "exit 0");
    const timer = setTimeout(() => worker.kill("SIGKILL"), 20_000);
    try {
      const { code, signal, stdout } = await worker.output();
      assert.equal(signal, null, "not killed after 20 s: it ended by itself");
      assert.equal(code, 0);
      assert.equal(JSON.parse(new TextDecoder().decode(stdout)).exitCode, 0);
    } finally {
      clearTimeout(timer);
    }
  });
});

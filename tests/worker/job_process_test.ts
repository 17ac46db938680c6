/**
 * What `executeJob` guarantees about a job's process, whichever way it is started (the resident
 * launcher, `setsid(1)`, or Deno's detached spawn): alone in its own session, with the worker's
 * environment plus the job's, in its directory, stdin from /dev/null, output to its log, its end
 * reported exactly, and its whole group killed by a timeout, an abort, or its shell's exit.
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { AbortRun } from "../../src/worker/executor.ts";
import { waitFor } from "../_temp_home.ts";
import { alive, idsOf, pidIn, WAYS, withWay } from "./_jobs.ts";

const PROJECT = new URL("../../", import.meta.url).pathname;

for (const way of WAYS) {
  Deno.test(`${way}: the job's shell leads its own session, with the worker's environment and the job's, in its directory, stdin from /dev/null`, async () => {
    Deno.env.set("QUEUECTL_TEST_INHERITED", "from the worker");
    try {
      await withWay(way, async (home, run) => {
        const dir = join(home, "work dir");
        await Deno.mkdir(dir);
        const { result, log } = await run({
          jobId: "env-job",
          attempt: 2,
          run: 3,
          cwd: dir,
          env: { OWN: "from the job", QUEUECTL_TEST_INHERITED: "overridden by the job" },
          command: [
            'read -r s < /proc/self/stat; echo "$s"',
            'echo "cwd=$(pwd)"',
            'echo "markers=$QUEUECTL_JOB_ID $QUEUECTL_ATTEMPT $QUEUECTL_RUN $QUEUECTL_WORKER_ID"',
            'echo "log=$QUEUECTL_LOG"',
            'echo "own=$OWN inherited=$QUEUECTL_TEST_INHERITED path=${PATH:+set}"',
            'echo "stdin=$(cat)$(readlink /proc/self/fd/0)"',
            "echo to stderr >&2",
            "grep -E '^Sig(Blk|Ign)' /proc/self/status",
          ].join("\n"),
        });
        assert.equal(result.error, null, log);
        const lines = log.split("\n");
        const ids = idsOf(lines[0]!);
        assert.equal(ids.pgrp, ids.pid, "leads its own process group");
        assert.equal(ids.session, ids.pid, "leads its own session");
        assert.notEqual(ids.pgrp, Deno.pid);
        assert.equal(lines[1], `cwd=${dir}`);
        assert.equal(lines[2], "markers=env-job 2 3 w-test");
        assert.equal(lines[3], `log=${join(home, "logs", "env-job", "1.log")}`);
        assert.equal(lines[4], "own=from the job inherited=overridden by the job path=set");
        assert.equal(lines[5], "stdin=/dev/null");
        assert.equal(lines[6], "to stderr");
        // No signal blocked or ignored that a plain child of the worker would not have.
        assert.deepEqual(signalMasks(lines.slice(7, 9)), await plainSignalMasks());
      });
      await withWay(way, async (_home, run) => {
        const { log } = await run({ command: 'echo "$QUEUECTL_TEST_INHERITED"' });
        assert.equal(log, "from the worker\n");
      });
    } finally {
      Deno.env.delete("QUEUECTL_TEST_INHERITED");
    }
  });

  Deno.test(`${way}: exit codes and signals are reported exactly`, async () => {
    await withWay(way, async (_home, run) => {
      const cases: [string, number | null, string | null, RegExp | null][] = [
        ["true", 0, null, null],
        ["echo oops; exit 3", 3, null, /^exit code 3: oops$/],
        ["exit 137", 137, null, /^exit code 137$/],
        ["kill -9 $$", null, "SIGKILL", /^killed by SIGKILL$/],
        ["kill -TERM $$", null, "SIGTERM", /^killed by SIGTERM$/],
        ["no-such-command-here", 127, null, /^exit code 127 \(command not found\): .*not found$/],
      ];
      for (const [command, exitCode, signal, error] of cases) {
        const { result } = await run({ command });
        assert.equal(result.exitCode, exitCode, command);
        assert.equal(result.signal, signal, command);
        if (error === null) assert.equal(result.error, null, command);
        else assert.match(result.error ?? "", error, command);
      }
    });
  });

  Deno.test(`${way}: a missing working directory is a run that cannot start, said clearly`, async () => {
    await withWay(way, async (home, run) => {
      const missing = join(home, "gone");
      const { result, log } = await run({ cwd: missing });
      assert.equal(result.error, `cannot start: working directory "${missing}" does not exist`);
      assert.equal(result.exitCode, null);
      assert.equal(log, `queuectl: cannot start: working directory "${missing}" does not exist\n`);
    });
  });

  Deno.test(`${way}: a timeout sends SIGTERM to the whole group, then SIGKILL after the grace`, async () => {
    await withWay(way, async (home, run) => {
      const child = join(home, "child.pid");
      const { result } = await run({
        // The background sleep takes SIGTERM; the shell and the foreground sleep ignore it.
        command: `sleep 300 & echo $! > ${child}; trap '' TERM; sleep 300`,
        timeout: 0.5,
        killGraceMs: 300,
      });
      assert.equal(result.timedOut, true);
      assert.equal(result.signal, "SIGKILL");
      assert.match(result.error ?? "", /^timed out after 0.5s/);
      assert.equal(await alive((await pidIn(child))!), false);
    });
  });

  Deno.test(`${way}: what a job leaves running in its group is killed when its shell exits`, async () => {
    await withWay(way, async (home, run) => {
      const child = join(home, "child.pid");
      const { result } = await run({ command: `sleep 300 & echo $! > ${child}` });
      assert.equal(result.exitCode, 0);
      const pid = (await pidIn(child))!;
      await waitFor("the leftover to be killed", async () => !(await alive(pid)) || undefined);
    });
  });

  Deno.test(`${way}: an abort (stop --now) kills the run, SIGKILL after its own grace`, async () => {
    await withWay(way, async (home, run) => {
      const started = join(home, "started");
      const abort = new AbortController();
      const running = run({
        command: `trap '' TERM; touch ${started}; sleep 300`,
        signal: abort.signal,
        killGraceMs: 60_000,
      });
      await waitFor("the job to start", () => exists(started));
      abort.abort(new AbortRun("now", 100));
      const { result } = await running;
      assert.equal(result.aborted, true);
      assert.equal(result.signal, "SIGKILL");
    });
  });

  Deno.test(`${way}: eight runs at once from one process each get their own end and log`, async () => {
    await withWay(way, async (_home, run) => {
      const ran = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          run({
            jobId: `slot-${i}`,
            command: `echo "$QUEUECTL_JOB_ID"; sleep 0.${i}; exit ${10 + i}`,
          })),
      );
      ran.forEach(({ result, log }, i) => {
        assert.equal(result.exitCode, 10 + i);
        assert.equal(log, `slot-${i}\n`);
      });
    });
  });

  Deno.test(`${way}: a job gets the worker's umask (077: the files it makes are 0600)`, async () => {
    await withWay(way, async (home) => {
      const made = join(home, "made");
      const request = {
        jobId: "umask",
        attempt: 1,
        run: 1,
        workerId: "w-test",
        command: `touch ${made}`,
        cwd: home,
        env: null,
        timeout: null,
        logPath: join(home, "logs", "umask", "1.log"),
      };
      const fixture = [
        Deno.execPath(),
        "run",
        "--no-prompt",
        "--allow-read",
        "--allow-write",
        "--allow-run",
        "--allow-env",
        "--allow-sys=hostname,uid",
        join(PROJECT, "tests/worker/_run_job.ts"),
        JSON.stringify(request),
        JSON.stringify({ ways: [way] }),
      ].map((word) => `'${word.replaceAll("'", `'\\''`)}'`).join(" ");
      const { code, stdout } = await new Deno.Command("/bin/sh", {
        args: ["-c", `umask 077; exec ${fixture}`],
        stdout: "piped",
      }).output();
      assert.equal(code, 0);
      assert.equal(JSON.parse(new TextDecoder().decode(stdout)).exitCode, 0);
      assert.equal((await Deno.stat(made)).mode! & 0o777, 0o600);
    });
  });
}

/**
 * SigBlk and SigIgn, less signals 32 and 33: glibc keeps them for itself, and its posix_spawn
 * leaves them ignored in the child, or not, depending on how the spawn goes.
 */
function signalMasks(lines: string[]): string[] {
  const glibcOwn = (1n << 31n) | (1n << 32n);
  return lines.map((line) => {
    const [name, hex] = line.split(":\t");
    return `${name}: ${(BigInt(`0x${hex}`) & ~glibcOwn).toString(16)}`;
  });
}

/** The signal masks of a shell the test process spawns the plain way. */
async function plainSignalMasks(): Promise<string[]> {
  const { stdout } = await new Deno.Command("/bin/sh", {
    args: ["-c", "grep -E '^Sig(Blk|Ign)' /proc/self/status"],
    stdout: "piped",
  }).output();
  return signalMasks(new TextDecoder().decode(stdout).trim().split("\n"));
}

async function exists(path: string): Promise<true | undefined> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return undefined;
  }
}

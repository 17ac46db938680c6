import assert from "node:assert/strict";
import { join } from "node:path";
import { waitFor, withTempHome } from "../_temp_home.ts";
import { json, ok, queuectl, withJournalQueue, withQueue, type WorkerJson } from "./_cli.ts";

const isRoot = Deno.uid() === 0;

async function entries(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line, got: ${stderr}`);
  assert.doesNotMatch(lines[0]!, /Unexpected error/);
  return lines[0]!;
}

Deno.test("a home writable by other users is refused with the fix in the message, and nothing is written", async () => {
  await withJournalQueue(async (home) => {
    await ok(home, ["enqueue", '{"id":"a","command":"true"}']);
    const journal = await Deno.readTextFile(join(home, "journal.jsonl"));
    await Deno.chmod(home, 0o777);
    try {
      for (const args of [["enqueue", '{"id":"b","command":"true"}'], ["status"], ["list"]]) {
        const result = await queuectl(home, args);
        assert.equal(result.code, 1, args.join(" "));
        assert.equal(
          oneLine(result.stderr),
          `queuectl: Queue home "${home}" is writable by other users (mode 0777); ` +
            `run "chmod 700 ${home}"`,
        );
      }
      assert.equal(await Deno.readTextFile(join(home, "journal.jsonl")), journal);
    } finally {
      await Deno.chmod(home, 0o700);
    }
  });
});

Deno.test("an empty home writable by other users is refused before any file is made in it", async () => {
  await withTempHome(async (home) => {
    await Deno.chmod(home, 0o777);
    const result = await queuectl(home, ["enqueue", '{"command":"true"}']);
    assert.equal(result.code, 1);
    assert.match(oneLine(result.stderr), /is writable by other users \(mode 0777\)/);
    assert.deepEqual(await entries(home), []);
  });
});

for (const name of ["journal.jsonl", "queue.lock"]) {
  Deno.test(`a symlink at ${name} is refused and its target is left unchanged`, async () => {
    await withTempHome(async (elsewhere) => {
      await withJournalQueue(async (home) => {
        await ok(home, ["enqueue", '{"id":"a","command":"true"}']);
        const target = join(elsewhere, name);
        await Deno.rename(join(home, name), target);
        await Deno.symlink(target, join(home, name));
        const before = await Deno.readFile(target);
        const beforeMtime = (await Deno.stat(target)).mtime;
        for (const args of [["enqueue", '{"id":"b","command":"true"}'], ["status"]]) {
          const result = await queuectl(home, args);
          assert.equal(result.code, 1, args.join(" "));
          assert.match(
            oneLine(result.stderr),
            new RegExp(`"${join(home, name)}" is a symbolic link, which queuectl never follows`),
          );
        }
        assert.deepEqual(await Deno.readFile(target), before, "the target is unchanged");
        assert.deepEqual((await Deno.stat(target)).mtime, beforeMtime);
      });
    });
  });
}

Deno.test({
  name: isRoot
    ? "a journal owned by another user is refused"
    : "a journal owned by another user is refused (ignored: needs root to chown)",
  ignore: !isRoot,
  async fn() {
    await withJournalQueue(async (home) => {
      await ok(home, ["enqueue", '{"id":"a","command":"true"}']);
      const journal = join(home, "journal.jsonl");
      const before = await Deno.readTextFile(journal);
      await Deno.chown(journal, 65534, 65534);
      const result = await queuectl(home, ["enqueue", '{"id":"b","command":"true"}']);
      assert.equal(result.code, 1);
      assert.match(
        oneLine(result.stderr),
        new RegExp(`Queue file "${journal}" is owned by another user \\(uid 65534, you are 0\\)`),
      );
      assert.equal(await Deno.readTextFile(journal), before);
    });
  },
});

Deno.test("a home that is a regular file gets a one-line reason", async () => {
  await withTempHome(async (dir) => {
    const file = join(dir, "not-a-home");
    await Deno.writeTextFile(file, "hello\n");
    for (const args of [["status"], ["enqueue", '{"command":"true"}'], ["doctor"]]) {
      const result = await queuectl(file, args);
      assert.equal(result.code, 1, args.join(" "));
      const line = args[0] === "doctor" ? result.stdout : result.stderr;
      assert.match(line, new RegExp(`Queue home "${file}" is not a directory`), args.join(" "));
      if (args[0] !== "doctor") oneLine(result.stderr);
    }
    assert.equal(await Deno.readTextFile(file), "hello\n");
  });
});

Deno.test("doctor lists every trust problem of the home and exits 1", async () => {
  await withTempHome(async (elsewhere) => {
    await withJournalQueue(async (home) => {
      await ok(home, ["enqueue", '{"id":"a","command":"true"}']);
      await Deno.chmod(join(home, "journal.jsonl"), 0o666);
      await Deno.mkdir(join(home, "logs", "a"), { recursive: true, mode: 0o700 });
      const target = join(elsewhere, "precious");
      await Deno.writeTextFile(target, "keep me\n");
      await Deno.symlink(target, join(home, "logs", "a", "1.log"));
      await Deno.mkdir(join(home, "workers"), { mode: 0o700 });
      await Deno.chmod(join(home, "workers"), 0o777);

      const human = await queuectl(home, ["doctor"]);
      assert.equal(human.code, 1, human.stderr);
      const problems = human.stdout.split("\n").filter((line) => line.startsWith("problem"));
      assert.equal(problems.length, 3, human.stdout);
      assert.match(human.stdout, /"[^"]*journal\.jsonl" is writable by other users \(mode 0666\)/);
      assert.match(human.stdout, /"[^"]*1\.log" is a symbolic link/);
      assert.match(human.stdout, /"[^"]*workers" is writable by other users \(mode 0777\)/);

      const asJson = await queuectl(home, ["doctor", "--json"]);
      assert.equal(asJson.code, 1);
      const report = JSON.parse(asJson.stdout) as { problems: string[]; trusted: boolean };
      assert.equal(report.problems.length, 3);
      assert.equal(report.trusted, false);

      const repair = await queuectl(home, ["doctor", "--repair"]);
      assert.equal(repair.code, 1);
      assert.match(repair.stdout, /fix the problems above first/);
      assert.equal(await Deno.readTextFile(target), "keep me\n");
      assert.equal((await Deno.stat(join(home, "journal.jsonl"))).mode! & 0o777, 0o666);

      await Deno.chmod(home, 0o777);
      const home777 = await queuectl(home, ["doctor"]);
      assert.equal(home777.code, 1);
      assert.match(home777.stdout, /Queue home "[^"]*" is writable by other users \(mode 0777\)/);
      await Deno.chmod(home, 0o700);
    });
  });
});

Deno.test("a fresh home is created 0700 with its files 0600, and its folders 0700", async () => {
  await withTempHome(async (dir) => {
    const home = join(dir, "new", "home");
    await ok(home, ["enqueue", '{"id":"j","command":"echo hi"}']);
    await ok(home, ["worker", "start"]);
    try {
      assert.equal((await queuectl(home, ["wait", "j", "--timeout", "20"])).code, 0);
    } finally {
      await ok(home, ["worker", "stop"]);
    }
    const mode = async (path: string) => (await Deno.lstat(join(home, path))).mode! & 0o777;
    assert.equal(await mode("."), 0o700);
    assert.equal(await mode("journal.jsonl"), 0o600);
    assert.equal(await mode("queue.lock"), 0o600);
    assert.equal(await mode("logs"), 0o700);
    assert.equal(await mode("logs/j"), 0o700);
    assert.equal(await mode("logs/j/1.log"), 0o600);
    assert.equal(await mode("workers"), 0o700);
    const [workerLog] = await entries(join(home, "workers"));
    assert.equal(await mode(`workers/${workerLog}`), 0o600);
    assert.equal(await ok(home, ["logs", "j"]), "hi\n");
  });
});

Deno.test("a home that is a symlink to the user's own directory is used through the link", async () => {
  await withTempHome(async (dir) => {
    const real = join(dir, "real");
    await Deno.mkdir(real, { mode: 0o700 });
    const link = join(dir, "link");
    await Deno.symlink(real, link);
    await ok(link, ["enqueue", '{"id":"a","command":"true"}']);
    assert.deepEqual(await entries(real), ["journal.jsonl", "queue.lock"]);
    const doctor = await queuectl(link, ["doctor"]);
    assert.equal(doctor.code, 0, doctor.stdout);
  });
});

Deno.test("a detached worker refuses a symlink as its log file, leaving the target unchanged", async () => {
  await withTempHome(async (elsewhere) => {
    await withQueue(async (home) => {
      await ok(home, ["status"]);
      await Deno.mkdir(join(home, "workers"), { mode: 0o700 });
      const target = join(elsewhere, "precious");
      await Deno.writeTextFile(target, "keep me\n");
      const link = join(home, "workers", "w-1.log");
      await Deno.symlink(target, link);
      let exited = false;
      const run = queuectl(home, ["worker", "run", "--id", "w-1", "--log-file", link]).finally(
        () => exited = true,
      );
      // Should it start anyway, stop it, so that the test fails instead of hanging.
      const started = await waitFor("the worker to exit or register", async () => {
        if (exited) return false;
        const { workers } = await json<{ workers: WorkerJson[] }>(home, ["status"]);
        return workers.some((w) => w.id === "w-1") ? true : undefined;
      });
      if (started) await ok(home, ["worker", "stop"]);
      const result = await run;
      assert.equal(started, false, "the worker did not start");
      assert.equal(result.code, 1);
      assert.match(oneLine(result.stderr), /"[^"]*w-1\.log" is a symbolic link/);
      assert.equal(await Deno.readTextFile(target), "keep me\n");
    });
  });
});

Deno.test("logs refuses to read a job's log through a symlinked folder", async () => {
  await withTempHome(async (elsewhere) => {
    await withQueue(async (home) => {
      await ok(home, ["enqueue", '{"id":"j","command":"echo hi"}']);
      await ok(home, ["worker", "start"]);
      try {
        assert.equal((await queuectl(home, ["wait", "j", "--timeout", "20"])).code, 0);
      } finally {
        await ok(home, ["worker", "stop"]);
      }
      await Deno.writeTextFile(join(elsewhere, "1.log"), "secret\n");
      await Deno.remove(join(home, "logs", "j"), { recursive: true });
      await Deno.symlink(elsewhere, join(home, "logs", "j"));
      const result = await queuectl(home, ["logs", "j"]);
      assert.equal(result.code, 1);
      assert.equal(result.stdout, "");
      assert.match(oneLine(result.stderr), /"[^"]*logs\/j" is a symbolic link/);
    });
  });
});

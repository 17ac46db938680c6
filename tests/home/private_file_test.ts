import assert from "node:assert/strict";
import { join } from "node:path";
import { UntrustedHomeError } from "../../src/errors.ts";
import { attemptLogPath, workerLogPath } from "../../src/home/layout.ts";
import { ensurePrivateDir } from "../../src/home/private_dir.ts";
import { createPrivateFile, openPrivateAppend } from "../../src/home/private_file.ts";
import { withTempHome } from "../_temp_home.ts";

const mode = async (path: string) => (await Deno.lstat(path)).mode! & 0o777;

Deno.test("createPrivateFile removes a symlink at the log path and leaves its target untouched", async () => {
  await withTempHome(async (elsewhere) => {
    await withTempHome(async (home) => {
      const target = join(elsewhere, "precious");
      await Deno.writeTextFile(target, "keep me\n");
      const log = attemptLogPath(home, "j", 1);
      await Deno.mkdir(join(home, "logs", "j"), { recursive: true, mode: 0o700 });
      await Deno.symlink(target, log);
      await createPrivateFile(log);
      const info = await Deno.lstat(log);
      assert.ok(info.isFile, "a regular file replaced the link");
      assert.equal(info.size, 0);
      assert.equal(await mode(log), 0o600);
      assert.equal(await Deno.readTextFile(target), "keep me\n");
    });
  });
});

Deno.test("createPrivateFile refuses a symlinked log folder and makes nothing through it", async () => {
  await withTempHome(async (elsewhere) => {
    await withTempHome(async (home) => {
      await Deno.mkdir(join(home, "logs"), { mode: 0o700 });
      await Deno.symlink(elsewhere, join(home, "logs", "j"));
      await assert.rejects(
        createPrivateFile(attemptLogPath(home, "j", 1)),
        (error: Error) =>
          error instanceof UntrustedHomeError && /logs\/j" is a symbolic link/.test(error.message),
      );
      assert.deepEqual(await Array.fromAsync(Deno.readDir(elsewhere)), []);
    });
  });
});

Deno.test("createPrivateFile makes logs/ and logs/<id>/ 0700 and empties an old log", async () => {
  await withTempHome(async (home) => {
    const log = attemptLogPath(home, "j", 1);
    await createPrivateFile(log);
    assert.equal(await mode(join(home, "logs")), 0o700);
    assert.equal(await mode(join(home, "logs", "j")), 0o700);
    assert.equal(await mode(log), 0o600);
    await Deno.writeTextFile(log, "old output\n");
    await createPrivateFile(log, home);
    assert.equal(await Deno.readTextFile(log), "");
  });
});

Deno.test("createPrivateFile needs the home for a path that is not an attempt log", async () => {
  await withTempHome(async (home) => {
    const log = workerLogPath(home, "w-1");
    await assert.rejects(createPrivateFile(log), RangeError);
    await createPrivateFile(log, home);
    assert.equal(await mode(join(home, "workers")), 0o700);
    assert.equal(await mode(log), 0o600);
  });
});

Deno.test("createPrivateFile refuses a home other users can write", async () => {
  await withTempHome(async (home) => {
    await Deno.chmod(home, 0o777);
    await assert.rejects(createPrivateFile(attemptLogPath(home, "j", 1)), UntrustedHomeError);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(home)), []);
  });
});

Deno.test("ensurePrivateDir refuses a symlinked directory and a folder other users can write", async () => {
  await withTempHome(async (elsewhere) => {
    await withTempHome(async (home) => {
      await Deno.symlink(elsewhere, join(home, "workers"));
      await assert.rejects(ensurePrivateDir(join(home, "workers")), /is a symbolic link/);
      await Deno.remove(join(home, "workers"));
      await Deno.mkdir(join(home, "workers"));
      await Deno.chmod(join(home, "workers"), 0o777);
      await assert.rejects(
        ensurePrivateDir(join(home, "workers")),
        /"[^"]*workers" is writable by other users \(mode 0777\); run "chmod 700 [^"]*workers"/,
      );
    });
  });
});

Deno.test("openPrivateAppend creates a missing file 0600, appends to an existing one, refuses a symlink", async () => {
  await withTempHome(async (elsewhere) => {
    await withTempHome(async (home) => {
      const log = workerLogPath(home, "w-1");
      for (const text of ["one\n", "two\n"]) {
        const file = await openPrivateAppend(log, home);
        await file.write(new TextEncoder().encode(text));
        file.close();
      }
      assert.equal(await Deno.readTextFile(log), "one\ntwo\n");
      assert.equal(await mode(log), 0o600);
      assert.equal(await mode(join(home, "workers")), 0o700);

      const target = join(elsewhere, "precious");
      await Deno.writeTextFile(target, "keep me\n");
      const link = workerLogPath(home, "w-2");
      await Deno.symlink(target, link);
      await assert.rejects(openPrivateAppend(link, home), UntrustedHomeError);
      await assert.rejects(openPrivateAppend(link), UntrustedHomeError);
      assert.equal(await Deno.readTextFile(target), "keep me\n");
    });
  });
});

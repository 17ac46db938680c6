import assert from "node:assert/strict";
import { join } from "node:path";
import { executeJob } from "../../src/worker/executor.ts";
import { withTempHome } from "../_temp_home.ts";

Deno.test("a run whose log folder is a planted symlink writes nothing through it", async () => {
  await withTempHome(async (home) => {
    const target = await Deno.makeTempDir({ prefix: "queuectl-target-" });
    try {
      await Deno.mkdir(join(home, "logs"), { mode: 0o700 });
      await Deno.symlink(target, join(home, "logs", "j1"));
      const result = await executeJob({
        jobId: "j1",
        attempt: 1,
        run: 1,
        workerId: "w",
        command: "echo hi",
        cwd: home,
        env: null,
        timeout: null,
        logPath: join(home, "logs", "j1", "1.log"),
      });
      assert.match(result.error!, /^cannot start: cannot create log/);
      assert.deepEqual(await Array.fromAsync(Deno.readDir(target)), [], "nothing written there");
    } finally {
      await Deno.remove(target, { recursive: true });
    }
  });
});

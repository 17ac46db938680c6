/**
 * The PostgreSQL store across processes, as workers on many machines use it: concurrent claims
 * take each job once, a queue's cap holds across processes, and one schedule tick makes one job
 * however many processes race for it.
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { PostgresQueueStore } from "../../src/postgres/store.ts";
import { tickJobId } from "../../src/queue/schedules.ts";
import { postgresAvailable, withDatabase } from "../_postgres.ts";
import { outputLines, spawnFixture } from "../_processes.ts";
import { withTempHome } from "../_temp_home.ts";

const available = await postgresAvailable();
const skip = available ? "" : " (SKIPPED: no PostgreSQL server for tests)";

Deno.test({
  name: `PostgreSQL: 4 processes claiming 500 jobs at once take each exactly once${skip}`,
  ignore: !available,
  async fn() {
    await withDatabase(async (url) => {
      const store = await PostgresQueueStore.open(url);
      await store.enqueue(
        Array.from({ length: 500 }, (_, i) => ({ id: `job-${i}`, command: "true" })),
        { cwd: "/" },
      );
      const children = [1, 2, 3, 4].map((n) => spawnFixture("fixtures/claimer.ts", [url, `w${n}`]));
      const perProcess = await Promise.all(children.map(outputLines));
      const all = perProcess.flat();
      assert.equal(all.length, 500);
      assert.equal(new Set(all).size, 500, "no job claimed twice");
      assert.ok(perProcess.filter((ids) => ids.length > 0).length >= 2, "work was shared");
      const counts = await store.countJobs();
      assert.equal(counts.completed, 500);
      assert.ok((await store.listJobs()).every((j) => j.attempts === 1 && j.history.length === 1));
      await store.close();
    });
  },
});

Deno.test({
  name: `PostgreSQL: four processes racing for one due tick enqueue one job${skip}`,
  ignore: !available,
  async fn() {
    await withDatabase(async (url) => {
      await withTempHome(async (dir) => {
        const added = Date.parse("2026-01-01T00:00:30Z");
        const store = await PostgresQueueStore.open(url, { now: () => added });
        await store.addSchedule({
          name: "m",
          cron: "* * * * *",
          timezone: "UTC",
          job: { command: "true", cwd: "/" },
        }, false);
        const start = join(dir, "go");
        const now = String(added + 120_000);
        const children = [1, 2, 3, 4].map(() =>
          spawnFixture("fixtures/schedule_firer.ts", [url, now, start])
        );
        await new Promise((resolve) => setTimeout(resolve, 500));
        await Deno.writeTextFile(start, "");
        const fired = (await Promise.all(children.map(outputLines))).flat();
        assert.deepEqual(fired, [tickJobId("m", Date.parse("2026-01-01T00:02:00Z"))]);
        assert.equal((await store.countJobs()).total, 1);
        await store.close();
      });
    });
  },
});

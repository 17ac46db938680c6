/**
 * Schedules at the store level, on a fake clock that never sleeps: each tick fires exactly once
 * (also across processes racing for it), missed ticks are not backfilled, daylight-saving changes
 * neither skip nor double a daily tick, and everything survives compaction.
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { NotFoundError, ValidationError } from "../../src/errors.ts";
import { JournalQueueStore } from "../../src/queue/mod.ts";
import { tickJobId } from "../../src/queue/schedules.ts";
import { outputLines, spawnFixture } from "../_processes.ts";
import { withTempHome } from "../_temp_home.ts";
import { fakeClock, withStore } from "./_store.ts";

const JOB = { command: "echo tick", cwd: "/tmp" };
const MINUTE = 60;

Deno.test("a tick fires once, as the job <name>:<tick>; only the latest missed tick fires", async () => {
  await withStore(async (store, clock) => {
    // The clock starts at 2026-01-01T00:00:00Z.
    clock.advance(10);
    await store.addSchedule({ name: "m", cron: "* * * * *", timezone: "UTC", job: JOB }, false);
    assert.deepEqual(await store.fireSchedules(), [], "no tick since it was added");
    clock.advance(MINUTE);
    assert.deepEqual(await store.fireSchedules(), ["m:20260101T000100Z"]);
    assert.deepEqual(await store.fireSchedules(), [], "the same tick never fires twice");
    const job = await store.getJob("m:20260101T000100Z");
    assert.equal(job.command, "echo tick");
    assert.equal(job.run_at, "2026-01-01T00:01:00.000Z");
    clock.advance(5 * MINUTE);
    assert.deepEqual(await store.fireSchedules(), ["m:20260101T000600Z"], "no backfill");
    const [view] = await store.listSchedules();
    assert.equal(view?.last_run, "2026-01-01T00:06:00.000Z");
    assert.equal(view?.next_run, "2026-01-01T00:07:00.000Z");
    assert.equal((await store.countJobs()).total, 2);
  });
});

Deno.test("pause stops ticks, resume does not backfill, remove ends them; replace keeps the last tick", async () => {
  await withStore(async (store, clock) => {
    await store.addSchedule({ name: "m", cron: "*/5 * * * *", timezone: "UTC", job: JOB }, false);
    clock.advance(5 * MINUTE);
    assert.equal((await store.fireSchedules()).length, 1);
    await store.pauseSchedule("m", true);
    clock.advance(20 * MINUTE);
    assert.deepEqual(await store.fireSchedules(), []);
    assert.equal((await store.listSchedules())[0]?.next_run, null);
    await store.pauseSchedule("m", false);
    assert.deepEqual(await store.fireSchedules(), [], "ticks missed while paused stay missed");
    // Replacing at the same minute: the tick that already fired does not fire again.
    clock.advance(5 * MINUTE);
    assert.deepEqual(await store.fireSchedules(), ["m:20260101T003000Z"]);
    await store.addSchedule(
      { name: "m", cron: "*/5 * * * *", timezone: "UTC", job: { ...JOB, priority: 3 } },
      true,
    );
    assert.deepEqual(await store.fireSchedules(), []);
    await assert.rejects(
      () => store.addSchedule({ name: "m", cron: "* * * * *", timezone: "UTC", job: JOB }, false),
      (e) => e instanceof ValidationError && /use --replace/.test(e.message),
    );
    await store.removeSchedule("m");
    clock.advance(60 * MINUTE);
    assert.deepEqual(await store.fireSchedules(), []);
    await assert.rejects(() => store.removeSchedule("m"), NotFoundError);
  });
});

Deno.test("a bad expression, time zone or name is refused and nothing is written", async () => {
  await withStore(async (store) => {
    const before = JSON.stringify(await store.listSchedules());
    const bad: [Parameters<typeof store.addSchedule>[0], RegExp][] = [
      [{ name: "x", cron: "61 * * * *", timezone: "UTC", job: JOB }, /not valid/],
      [{ name: "x", cron: "* * * *", timezone: "UTC", job: JOB }, /must have 5 fields/],
      [{ name: "x", cron: "0 * * * * *", timezone: "UTC", job: JOB }, /must have 5 fields/],
      [{ name: "x", cron: "* * * * *", timezone: "Mars/Base", job: JOB }, /Unknown time zone/],
      [{ name: "a:b", cron: "* * * * *", timezone: "UTC", job: JOB }, /Schedule name/],
    ];
    for (const [spec, message] of bad) {
      await assert.rejects(
        () => store.addSchedule(spec, false),
        (e) => e instanceof ValidationError && message.test(e.message),
        String(message),
      );
    }
    assert.equal(JSON.stringify(await store.listSchedules()), before);
  });
});

/** Ticks fired by a daily 02:30 Berlin schedule, advancing 10 minutes at a time. */
async function dailyTicksAround(startIso: string, days: number): Promise<string[]> {
  return await withTempHome(async (home) => {
    const clock = fakeClock(Date.parse(startIso));
    const store = await JournalQueueStore.open(home, { now: clock.now });
    try {
      await store.addSchedule(
        { name: "daily", cron: "30 2 * * *", timezone: "Europe/Berlin", job: JOB },
        false,
      );
      const fired: string[] = [];
      for (let step = 0; step < days * 24 * 6; step++) {
        clock.advance(10 * MINUTE);
        fired.push(...await store.fireSchedules());
      }
      return fired;
    } finally {
      await store.close();
    }
  });
}

Deno.test("daylight saving neither skips nor doubles a daily tick (Europe/Berlin, spring and autumn)", async () => {
  // 29 March 2026: 02:00 jumps to 03:00, so 02:30 does not exist; it fires once, at 03:00.
  assert.deepEqual(await dailyTicksAround("2026-03-27T12:00:00Z", 4), [
    "daily:20260328T013000Z",
    "daily:20260329T010000Z",
    "daily:20260330T003000Z",
    "daily:20260331T003000Z",
  ]);
  // 25 October 2026: 03:00 goes back to 02:00, so 02:30 happens twice; it fires once.
  assert.deepEqual(await dailyTicksAround("2026-10-23T12:00:00Z", 4), [
    "daily:20261024T003000Z",
    "daily:20261025T003000Z",
    "daily:20261026T013000Z",
    "daily:20261027T013000Z",
  ]);
});

Deno.test("schedules and their last tick survive compaction: no tick fires again after it", async () => {
  await withStore(async (store, clock, _home, reopen) => {
    await store.addSchedule({ name: "m", cron: "* * * * *", timezone: "UTC", job: JOB }, false);
    await store.addSchedule({ name: "p", cron: "0 * * * *", timezone: "UTC", job: JOB }, false);
    await store.pauseSchedule("p", true);
    clock.advance(MINUTE);
    await store.fireSchedules();
    const before = await store.listSchedules();
    await store.compact();
    const reopened = await reopen();
    assert.deepEqual(await reopened.listSchedules(), before);
    assert.deepEqual(await reopened.fireSchedules(), []);
  });
});

Deno.test("four processes racing for one due tick enqueue one job", async () => {
  await withTempHome(async (home) => {
    const added = Date.parse("2026-01-01T00:00:30Z");
    const store = await JournalQueueStore.open(home, { now: () => added });
    await store.addSchedule({ name: "m", cron: "* * * * *", timezone: "UTC", job: JOB }, false);
    await store.close();
    const start = join(home, "go");
    const now = String(added + 2 * MINUTE * 1000);
    const children = [1, 2, 3, 4].map(() =>
      spawnFixture("fixtures/schedule_firer.ts", [home, now, start])
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await Deno.writeTextFile(start, "");
    const fired = (await Promise.all(children.map(outputLines))).flat();
    assert.deepEqual(fired, [tickJobId("m", Date.parse("2026-01-01T00:02:00Z"))]);
    const after = await JournalQueueStore.open(home);
    assert.equal((await after.countJobs()).total, 1);
    await after.close();
  });
});

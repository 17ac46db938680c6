/**
 * Schedules end to end: four worker processes fire a due tick once; the commands as a user types
 * them, with bad input refused and nothing written.
 * @module
 */

import assert from "node:assert/strict";
import { waitFor } from "../_temp_home.ts";
import { type JobJson, json, ok, openStoreOf, queuectl, storeContents, withQueue } from "./_cli.ts";

Deno.test("four worker processes fire a missed tick once: one job, and it runs", async () => {
  await withQueue(async (home) => {
    // Added two years ago (a clock set back): the latest missed yearly tick is due now.
    const twoYearsAgo = Date.now() - 2 * 366 * 86400_000;
    const store = await openStoreOf(home, { now: () => twoYearsAgo });
    await store.addSchedule({
      name: "yearly",
      cron: "0 0 1 1 *",
      timezone: "UTC",
      job: { command: "echo happy new year", cwd: home },
    }, false);
    await store.close();
    const tick = `yearly:${new Date().getUTCFullYear()}0101T000000Z`;
    await ok(home, ["worker", "start", "--count", "4"]);
    const job = await waitFor("the tick's job to complete", async () => {
      const shown = await queuectl(home, ["show", tick, "--json"]);
      const job = shown.code === 0 ? JSON.parse(shown.stdout) as JobJson : undefined;
      return job?.state === "completed" ? job : undefined;
    });
    assert.equal(job.command, "echo happy new year");
    const jobs = await json<JobJson[]>(home, ["list"]);
    assert.deepEqual(jobs.map((j) => j.id), [tick], "one tick, one job");
    const [view] = await json<{ last_run: string; next_run: string }[]>(home, ["schedule", "list"]);
    assert.equal(view?.last_run, `${new Date().getUTCFullYear()}-01-01T00:00:00.000Z`);
    assert.equal(view?.next_run, `${new Date().getUTCFullYear() + 1}-01-01T00:00:00.000Z`);
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("schedule add, list, pause, resume and remove as a user types them", async () => {
  await withQueue(async (home) => {
    const added = await json<Record<string, unknown>>(home, [
      "schedule",
      "add",
      "nightly",
      "--cron",
      "0 3 * * *",
      "--job",
      '{"command":"backup.sh","queue":"backups"}',
      "--timezone",
      "Europe/Berlin",
    ]);
    assert.deepEqual(Object.keys(added).sort(), [
      "cron",
      "job",
      "last_run",
      "name",
      "next_run",
      "paused",
      "timezone",
    ]);
    assert.equal(added.cron, "0 3 * * *");
    assert.equal((added.job as { cwd: string }).cwd, Deno.cwd(), "the job runs where it was added");
    assert.match(String(added.next_run), /T0[12]:00:00\.000Z$/, "03:00 in Berlin");
    assert.match(await ok(home, ["schedule", "list"]), /nightly\s+0 3 \* \* \*\s+Europe\/Berlin/);
    assert.equal(
      (await json<{ paused: boolean }>(home, ["schedule", "pause", "nightly"])).paused,
      true,
    );
    assert.equal(
      (await json<{ paused: boolean }>(home, ["schedule", "resume", "nightly"])).paused,
      false,
    );
    const twice = await queuectl(home, [
      "schedule",
      "add",
      "nightly",
      "--cron",
      "0 4 * * *",
      "--job",
      '{"command":"x"}',
    ]);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /use --replace/);
    await ok(home, [
      "schedule",
      "add",
      "nightly",
      "--cron",
      "0 4 * * *",
      "--job",
      '{"command":"x"}',
      "--replace",
    ]);
    await ok(home, ["schedule", "remove", "nightly"]);
    assert.deepEqual(await json(home, ["schedule", "list"]), []);
    assert.equal((await queuectl(home, ["schedule", "remove", "nightly"])).code, 3);
  });
});

Deno.test("a bad expression, time zone or job is refused: exit 2, one line, nothing written", async () => {
  await withQueue(async (home) => {
    await ok(home, ["status"]);
    const before = await storeContents(home);
    const cases: [string[], RegExp][] = [
      [
        ["--cron", "61 * * * *", "--job", '{"command":"x"}'],
        /Cron expression "61 \* \* \* \*" is not valid/,
      ],
      [["--cron", "* * *", "--job", '{"command":"x"}'], /must have 5 fields/],
      [
        ["--cron", "* * * * *", "--job", '{"command":"x"}', "--timezone", "Mars/Base"],
        /Unknown time zone/,
      ],
      [["--cron", "* * * * *", "--job", '{"command":'], /Option --job: Malformed JSON/],
      [["--cron", "* * * * *", "--job", '{"command":"x","id":"a"}'], /field "id" is not allowed/],
      [["--cron", "* * * * *"], /Missing option --job/],
      [["--job", '{"command":"x"}'], /Missing option --cron/],
    ];
    for (const [args, message] of cases) {
      const result = await queuectl(home, ["schedule", "add", "s", ...args]);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split("\n").length, 1, "one line");
    }
    assert.equal(await storeContents(home), before, "nothing written");
  });
});

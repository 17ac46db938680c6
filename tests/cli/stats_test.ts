/**
 * `queuectl stats` after a real run: counts per queue, percentiles, a chart; bad windows refused.
 * @module
 */

import assert from "node:assert/strict";
import { shortDuration, sparkline } from "../../src/cli/stats.ts";
import type { StatsReport } from "../../src/queue/mod.ts";
import { json, ok, queuectl, withQueue } from "./_cli.ts";

Deno.test("stats after a real run: counts per queue, run times, and a chart of the last hour", async () => {
  await withQueue(async (home) => {
    await ok(home, ["config", "set", "backoff-base", "1"]);
    for (let i = 0; i < 3; i++) await ok(home, ["enqueue", "--", "sleep 0.2"]);
    await ok(home, ["enqueue", "--queue", "flaky", "--max-retries", "1", "--", "exit 1"]);
    await ok(home, ["worker", "start"]);
    assert.equal((await queuectl(home, ["wait", "--timeout", "30"])).code, 1);
    const report = await json<StatsReport>(home, ["stats"]);
    assert.deepEqual(
      {
        enqueued: report.total.enqueued,
        completed: report.total.completed,
        failed: report.total.failed,
        dead: report.total.dead,
      },
      { enqueued: 4, completed: 3, failed: 2, dead: 1 },
    );
    const main = report.queues.find((q) => q.queue === "default")!;
    assert.equal(main.run_seconds?.runs, 3);
    assert.ok(main.run_seconds!.p50 >= 0.2 && main.run_seconds!.max < 5, JSON.stringify(main));
    assert.equal(report.minutes.length, 61, "one point per minute of the last hour");
    const text = await ok(home, ["stats"]);
    assert.match(text, /QUEUE\s+ENQUEUED\s+COMPLETED\s+FAILED\s+DEAD/);
    assert.match(text, /^default\s+3\s+3\s+0\s+0\s+0/m);
    assert.match(text, /^flaky\s+1\s+0\s+2\s+1\s+0/m);
    assert.match(text, /^completed │.*█.*│$/m);
    const flaky = await json<StatsReport>(home, ["stats", "--queue", "flaky", "--since", "10m"]);
    assert.equal(flaky.total.failed, 2);
    assert.equal(flaky.total.completed, 0);
    const tooLong = await queuectl(home, ["stats", "--since", "2d"]);
    assert.equal(tooLong.code, 2);
    assert.match(tooLong.stderr, /Option --since must be a duration from 0 to 86400 seconds/);
    await ok(home, ["worker", "stop"]);
  });
});

Deno.test("sparkline() scales to the largest value and sums values into its width", () => {
  assert.equal(sparkline([0, 1, 2, 4, 8]), " ▁▂▄█");
  assert.equal(sparkline([0, 0, 0]), "   ");
  assert.equal(sparkline([1, 1, 1, 1], 2), "██");
  assert.equal(sparkline([]), "");
});

Deno.test("shortDuration() shows milliseconds, tenths of seconds, then minutes", () => {
  assert.equal(shortDuration(0.0123), "12ms");
  assert.equal(shortDuration(4.24), "4.2s");
  assert.equal(shortDuration(185), "3m 5s");
});

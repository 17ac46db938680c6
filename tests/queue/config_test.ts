import assert from "node:assert/strict";
import { ValidationError } from "../../src/errors.ts";
import { backoffDelay } from "../../src/queue/backoff.ts";
import {
  CONFIG_RANGES,
  type ConfigKey,
  DEFAULT_CONFIG,
  parseConfigValue,
  sanitizeStoredValue,
} from "../../src/queue/config.ts";
import { failure, withStore } from "./_store.ts";

const DAY = 86400;

function refusal(key: ConfigKey, raw: string): string {
  try {
    parseConfigValue(key, raw);
  } catch (error) {
    assert.ok(error instanceof ValidationError, String(error));
    assert.equal(error.exitCode, 2);
    assert.ok(!error.message.includes("\n"), "one line");
    return error.message;
  }
  assert.fail(`config ${key} accepted ${JSON.stringify(raw)}`);
}

Deno.test("parseConfigValue() takes each range's ends and refuses past them, naming the key and the range", () => {
  for (const [key, range] of Object.entries(CONFIG_RANGES)) {
    for (const n of [range.min, range.max]) {
      assert.equal(parseConfigValue(key as ConfigKey, String(n)), n, `${key} ${n}`);
    }
  }
  assert.equal(parseConfigValue("backoff_max", "366d"), 366 * DAY);
  assert.equal(parseConfigValue("poll_interval", "50ms"), 0.05);
  assert.equal(parseConfigValue("stall_timeout", "3s"), 3);
  assert.equal(parseConfigValue("job_timeout", "0"), 0);
  const cases: [ConfigKey, string, RegExp][] = [
    ["backoff_max", "99999999999999999999999", /"backoff_max" must be .*from 0 to 366d/],
    ["backoff_max", "367d", /"backoff_max" must be .*31622400 seconds/],
    ["job_timeout", "30000000000", /"job_timeout" must be .*from 0 \(none\) to 366d/],
    ["stall_timeout", "1", /"stall_timeout" must be .*from 3s to 1d/],
    ["stall_timeout", "2.9", /"stall_timeout"/],
    ["stall_timeout", "2d", /"stall_timeout"/],
    ["poll_interval", "0.01", /"poll_interval" must be .*from 50ms to 1h/],
    ["poll_interval", "0", /"poll_interval"/],
    ["poll_interval", "2h", /"poll_interval"/],
    ["retention", "36501d", /"retention" must be .*from 0 to 36500d/],
    ["retention", "99999999999999999999999", /"retention"/],
    ["compact_threshold", "1e30", /"compact_threshold" must be .*from 1024 to 1099511627776/],
    ["compact_threshold", String(2 ** 40 + 1), /"compact_threshold"/],
    ["compact_threshold", "100", /"compact_threshold"/],
    ["max_retries", "1001", /"max_retries" must be an integer from 0 to 1000/],
    ["backoff_base", "0.5", /"backoff_base" must be a number from 1 to 1000/],
    ["backoff_base", "1e9", /"backoff_base"/],
  ];
  for (const [key, raw, pattern] of cases) {
    const message = refusal(key, raw);
    assert.match(message, pattern, `${key} ${raw}`);
    assert.match(message, new RegExp(`got "${raw}"`), `${key} ${raw}: names the value`);
  }
});

Deno.test("every value config set accepts reads back from the journal unchanged", () => {
  const typed: [ConfigKey, string][] = [
    ["backoff_max", "0.0000001"],
    ["backoff_max", "250ms"],
    ["backoff_max", "366d"],
    ["retention", "36500d"],
    ["retention", "0.0000005"],
    ["job_timeout", "0.000001"],
    ["poll_interval", "0.05"],
    ["stall_timeout", "3"],
    ["compact_threshold", "1e6"],
    ["backoff_base", "1.0000001"],
    ["max_retries", "0"],
    ["fsync", "batch"],
  ];
  for (const [key, raw] of typed) {
    const stored = parseConfigValue(key, raw);
    // The journal holds the value as JSON; replay sanitizes what it reads.
    const replayed = sanitizeStoredValue(key, JSON.parse(JSON.stringify(stored)));
    assert.equal(replayed, stored, `${key} ${raw}`);
  }
});

Deno.test("a stored value out of range (from an older version) reads back clamped into range", () => {
  const cases: [ConfigKey, unknown, unknown][] = [
    ["backoff_max", 1e23, 366 * DAY],
    ["backoff_max", 1e13, 366 * DAY],
    ["job_timeout", 30_000_000_000, 366 * DAY],
    ["stall_timeout", 1, 3],
    ["stall_timeout", 0.5, 3],
    ["poll_interval", 0.001, 0.05],
    ["poll_interval", 86400, 3600],
    ["retention", 1e30, 36500 * DAY],
    ["compact_threshold", 1e30, 2 ** 40],
    ["max_retries", 5000, 1000],
    ["backoff_base", 0, 1],
    ["backoff_max", -5, 0],
    ["backoff_max", "1e+23", DEFAULT_CONFIG.backoff_max],
    ["backoff_max", null, DEFAULT_CONFIG.backoff_max],
    ["stall_timeout", "soon", DEFAULT_CONFIG.stall_timeout],
    ["fsync", "sometimes", DEFAULT_CONFIG.fsync],
  ];
  for (const [key, stored, expected] of cases) {
    assert.equal(sanitizeStoredValue(key, stored), expected, `${key} ${String(stored)}`);
  }
});

Deno.test("backoffDelay() is finite, at most backoff_max and 366 days, and fits a date", () => {
  const settings: [number, number, number][] = [
    [1, 2, 3600],
    [3, 2, 3600],
    [10, 1000, 1e13],
    [1001, 1000, 1e23],
    [5, 1000, Infinity],
    [5, Infinity, 3600],
    [5, NaN, 3600],
    [5, 2, NaN],
    [NaN, 2, 3600],
    [3, -2, 3600],
    [2, 2, -1],
  ];
  const now = Date.now();
  for (const [failures, base, max] of settings) {
    const delay = backoffDelay(failures, base, max);
    const what = `backoffDelay(${failures}, ${base}, ${max}) = ${delay}`;
    assert.ok(Number.isFinite(delay) && delay >= 0, what);
    assert.ok(delay <= 366 * DAY, what);
    if (max >= 0) assert.ok(delay <= max, what);
    assert.doesNotThrow(() => new Date(now + delay * 1000).toISOString(), what);
  }
  assert.equal(backoffDelay(3, 2, 3600), 8);
  assert.equal(backoffDelay(20, 2, 3600), 3600);
});

Deno.test("a failed run settles with a valid retry time whatever backoff_max an older version stored", async () => {
  await withStore(async (store, clock) => {
    // Set through the store, as an older version did without a range: 1e13 s overflows a date
    // once 1000^n passes it (the 5th failure).
    await store.setConfig("backoff_base", 1000);
    await store.setConfig("backoff_max", 1e13);
    assert.equal((await store.getConfig()).backoff_max, 366 * DAY);
    await store.registerWorker({ id: "w", pid: 1, host: "test-host", pstart: null });
    await store.enqueue([{ id: "j", command: "false", max_retries: 9 }], { cwd: "/tmp" });
    for (let run = 1; run <= 6; run++) {
      const claim = await store.claimNext("w");
      assert.ok(claim, `run ${run} claimed`);
      assert.equal(await store.settle(claim, failure(1)), "failed", `run ${run}`);
      const retryAt = Date.parse((await store.getJob("j")).next_run_at!);
      const delay = Math.min(1000 ** run, 366 * DAY);
      assert.equal(retryAt, clock.now() + delay * 1000, `run ${run}`);
      clock.advance(delay);
    }
  });
});

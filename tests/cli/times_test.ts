import assert from "node:assert/strict";
import { type JobJson, json, ok, waitForJob, withQueue } from "./_cli.ts";

/** The rows of a table printed by `list`, as cells split on runs of two or more spaces. */
function tableRows(text: string): Map<string, Record<string, string>> {
  const [header, ...lines] = text.trimEnd().split("\n");
  const names = header!.split(/\s{2,}/);
  const rows = new Map<string, Record<string, string>>();
  for (const line of lines) {
    const cells = line.split(/\s{2,}/);
    rows.set(cells[0]!, Object.fromEntries(names.map((name, i) => [name, cells[i] ?? ""])));
  }
  return rows;
}

Deno.test("list shows when scheduled and retrying jobs are due, and times relative to now", async () => {
  await withQueue(async (home) => {
    await ok(home, ["config", "set", "backoff_base", "1000"]); // the retry waits 1000 s
    const runAt = new Date(Date.now() + 2 * 3600_000).toISOString();
    await ok(home, ["enqueue", JSON.stringify({ id: "later", command: "true", run_at: runAt })]);
    await ok(home, ["enqueue", '{"id":"flaky","command":"exit 1","max_retries":1}']);
    await ok(home, ["enqueue", '{"id":"ok","command":"true"}']);
    await ok(home, ["worker", "start"]);
    await waitForJob(home, "flaky", (job) => job.state === "failed", "the first failure");
    await waitForJob(home, "ok", (job) => job.state === "completed", "the job to complete");
    await ok(home, ["worker", "stop"]);
    const rows = tableRows(await ok(home, ["list"], { env: { TZ: "Asia/Kolkata" } }));
    assert.match(rows.get("later")!.DUE!, /^in 1h 59m$/);
    assert.match(rows.get("flaky")!.DUE!, /^in 16m [34]\ds$/);
    assert.equal(rows.get("ok")!.DUE, "-");
    for (const row of rows.values()) assert.match(row.UPDATED!, /^(now|\d+s ago)$/);
    const listed = await json<JobJson[]>(home, ["list"]);
    assert.equal(listed.find((job) => job.id === "later")!.run_at, runAt, "--json keeps UTC");
    assert.match(listed.find((job) => job.id === "flaky")!.next_run_at!, /^\S+T\S+Z$/);
  });
});

Deno.test("show prints local times with the UTC offset of TZ (daylight saving included) and a relative hint", async () => {
  await withQueue(async (home) => {
    const runAt = "2099-07-01T12:00:00.000Z";
    await ok(home, ["enqueue", JSON.stringify({ id: "j", command: "true", run_at: runAt })]);
    const field = (text: string, name: string) =>
      text.split("\n").find((line) => line.startsWith(`${name} `))!.slice(name.length).trim();
    const india = await ok(home, ["show", "j"], { env: { TZ: "Asia/Kolkata" } });
    assert.match(field(india, "run_at"), /^2099-07-01 17:30:00 \+05:30 \(in \d+d( \d+h)?\)$/);
    assert.match(
      field(india, "created_at"),
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+05:30 \((now|\ds ago)\)$/,
    );
    const newYork = await ok(home, ["show", "j"], { env: { TZ: "America/New_York" } });
    assert.match(field(newYork, "run_at"), /^2099-07-01 08:00:00 -04:00 \(in /);
    assert.equal(field(newYork, "started_at"), "-");
    assert.equal((await json<JobJson>(home, ["show", "j"])).run_at, runAt, "--json keeps UTC");
  });
});

/**
 * The dashboard in a real browser (headless Chromium through playwright-core), against a real
 * queue with real workers, checking what a person sees: counts that change without a reload,
 * filters, a job's output while it runs, a retry from the DLQ, a paused queue, a job's hostile
 * output shown as text, and a POST without the page's token refused.
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { json, ok, queuectl, withQueue } from "../cli/_cli.ts";
import { waitFor } from "../_temp_home.ts";
import { browserTestName, hasChromium, withBrowser } from "./_browser.ts";
import { type RunningDashboard, startDashboard } from "./_dashboard.ts";

/** How soon a change must show: CLI.md's promise. */
const LIVE_MS = 2000;

/** Sets a marker on the page: it survives everything but a reload. */
async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => ((globalThis as unknown as { marker: number }).marker = 42));
}

async function assertNotReloaded(page: Page): Promise<void> {
  const marker = await page.evaluate(() => (globalThis as unknown as { marker?: number }).marker);
  assert.equal(marker, 42, "the page was not reloaded");
}

function count(page: Page, state: string) {
  return page.locator(`[data-count="${state}"]`).textContent();
}

async function waitForCount(page: Page, state: string, value: string): Promise<void> {
  await page.locator(`[data-count="${state}"]`).filter({ hasText: new RegExp(`^${value}$`) })
    .waitFor({ timeout: LIVE_MS });
}

interface QueueJson {
  name: string;
  paused: boolean;
  concurrency: number;
}

Deno.test({
  name: browserTestName(
    "the dashboard in Chromium: live counts, filters, a live log, DLQ retry, pause, XSS, CSRF",
  ),
  ignore: !hasChromium,
  // playwright-core keeps its pipe to the browser and some timers past close(); the test stops
  // its workers and dashboard itself.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await withQueue(async (home) => {
      const scratch = join(home, "scratch");
      await Deno.mkdir(scratch);
      const dashboard: RunningDashboard = await startDashboard(home);
      try {
        await withBrowser(async (browser) => {
          const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
          page.setDefaultTimeout(10_000);
          const errors: string[] = [];
          page.on("pageerror", (error) => errors.push(error.message));
          page.on("dialog", (dialog) => void dialog.accept());
          const open = async (path: string) => {
            await page.goto(`${dashboard.origin}${path}`);
            await page.locator('#live-status[data-state="live"]').waitFor();
          };

          await t.step(
            "the overview's counts change live when a job is enqueued and run",
            async () => {
              await open("/");
              assert.equal(await page.title(), "Overview · queuectl");
              assert.equal(await count(page, "pending"), "0");
              await markPage(page);
              await ok(home, ["enqueue", "--id", "first", "--", "echo hello from the dashboard"]);
              await waitForCount(page, "pending", "1");
              await waitForCount(page, "total", "1");
              await ok(home, ["worker", "start"]);
              await ok(home, ["wait", "first", "--timeout", "20"]);
              await waitForCount(page, "completed", "1");
              await waitForCount(page, "pending", "0");
              await assertNotReloaded(page);
              // The chart was drawn by uPlot, served by queuectl.
              await page.locator("#chart canvas").waitFor();
            },
          );

          await t.step("filter the jobs by state, queue and search", async () => {
            await ok(home, [
              "enqueue",
              "--queue",
              "reports",
              "--id",
              "r-needle",
              "--",
              "echo needle in a haystack",
            ]);
            await ok(home, ["enqueue", "--queue", "reports", "--id", "r-hay", "--", "echo hay"]);
            await ok(home, ["wait", "r-needle", "r-hay", "--timeout", "20"]);
            await open("/jobs");
            const ids = async () => {
              const rows = await page.locator("table.jobs tbody tr").all();
              return await Promise.all(rows.map((row) => row.getAttribute("data-job")));
            };
            assert.deepEqual(await ids(), ["r-hay", "r-needle", "first"]);
            await page.locator("#job-tabs a.state-completed").click();
            await page.waitForURL(/state=completed/);
            assert.deepEqual(await ids(), ["r-hay", "r-needle", "first"]);
            await page.locator('select[name="queue"]').selectOption("reports");
            await page.waitForURL(/queue=reports/);
            assert.deepEqual(await ids(), ["r-hay", "r-needle"]);
            await page.locator('input[name="q"]').fill("NEEDLE");
            await page.locator('input[name="q"]').press("Enter");
            await page.waitForURL(/q=NEEDLE/);
            assert.deepEqual(await ids(), ["r-needle"]);
            await page.locator("#job-tabs a.state-dead").click();
            await page.locator(".empty", { hasText: "No job matches" }).waitFor();
          });

          await t.step("open a job and see its output, live while it runs", async () => {
            await ok(home, [
              "enqueue",
              "--id",
              "live",
              "--",
              "echo first line; sleep 2; echo second line",
            ]);
            await open("/jobs");
            await markPage(page);
            // Written by queuectl as the run goes: wait until it has started.
            await waitFor("the job to start", async () => {
              const job = await json<{ state: string }>(home, ["show", "live"]);
              return job.state === "processing" || undefined;
            });
            await open("/jobs/live");
            await markPage(page);
            await page.locator("#log", { hasText: "first line" }).waitFor();
            assert.ok(!(await page.locator("#log").textContent())!.includes("second line"));
            await page.locator("#log", { hasText: "second line" }).waitFor({ timeout: 5000 });
            await page.locator("#job-head .badge.state-completed").waitFor({ timeout: 5000 });
            assert.equal(await page.locator("#log").textContent(), "first line\nsecond line\n");
            await assertNotReloaded(page);
          });

          await t.step("retry a dead job from the DLQ page", async () => {
            const marker = join(scratch, "failed-once");
            await ok(home, [
              "enqueue",
              "--id",
              "doomed",
              "--max-retries",
              "0",
              "--",
              `test -f ${marker} || { touch ${marker}; echo disk full >&2; exit 3; }`,
            ]);
            const waited = await queuectl(home, ["wait", "doomed", "--timeout", "20"]);
            assert.equal(waited.code, 1, "doomed is dead");
            await open("/dlq");
            const row = page.locator('tr[data-job="doomed"]');
            assert.match((await row.textContent())!, /exit code 3/);
            assert.equal(await page.locator("#nav-dead").textContent(), "1");
            await markPage(page);
            await row.getByRole("button", { name: "Retry" }).click();
            await page.locator(".toast", { hasText: "doomed is pending again" }).waitFor();
            await ok(home, ["wait", "doomed", "--timeout", "20"]);
            await page.locator(".empty", { hasText: "The dead letter queue is empty" }).waitFor({
              timeout: LIVE_MS,
            });
            await page.locator("#nav-dead").filter({ hasText: /^0$/ }).waitFor({
              timeout: LIVE_MS,
            });
            await assertNotReloaded(page);
            const job = await json<{ state: string; history: unknown[] }>(home, ["show", "doomed"]);
            assert.equal(job.state, "completed");
            assert.equal(job.history.length, 2);
          });

          await t.step("pause a queue and set its concurrency", async () => {
            await open("/queues");
            const row = page.locator('tr[data-queue="reports"]');
            await row.getByRole("button", { name: "Pause" }).click();
            await page.locator('tr[data-queue="reports"] .badge.state-paused').waitFor({
              timeout: LIVE_MS,
            });
            await page.locator('tr[data-queue="reports"]').getByRole("button", { name: "Resume" })
              .waitFor();
            const queues = await json<QueueJson[]>(home, ["queue", "list"]);
            assert.equal(queues.find((q) => q.name === "reports")?.paused, true);
            await page.locator('tr[data-queue="reports"] input[name="concurrency"]').fill("2");
            await page.locator('tr[data-queue="reports"]').getByRole("button", { name: "Set" })
              .click();
            await page.locator(".toast", { hasText: "at most 2 running" }).waitFor();
            const after = await json<QueueJson[]>(home, ["queue", "list"]);
            assert.equal(after.find((q) => q.name === "reports")?.concurrency, 2);
          });

          await t.step("a job printing <script> shows text, nothing runs", async () => {
            const hostile = `<script>window.pwned=1</script><img src=x onerror="window.pwned=2">`;
            await ok(home, ["enqueue", "--id", "xss", "--", `echo '${hostile}'`]);
            await ok(home, ["wait", "xss", "--timeout", "20"]);
            for (const path of ["/jobs", "/jobs/xss"]) {
              await open(path);
              const pwned = await page.evaluate(() =>
                (globalThis as unknown as { pwned?: number }).pwned
              );
              assert.equal(pwned, undefined, `${path}: the job's text ran`);
            }
            assert.equal(await page.locator("#log").textContent(), `${hostile}\n`);
            assert.equal(await page.locator("pre.command").textContent(), `echo '${hostile}'`);
            assert.equal(await page.locator("#log img").count(), 0);
          });

          await t.step(
            "a POST without the page's token is refused, and changes nothing",
            async () => {
              await open("/queues");
              const fromPage = await page.evaluate(async () => {
                const response = await fetch("/queues/default/pause", {
                  method: "POST",
                  body: new URLSearchParams({ return: "/" }),
                  headers: { accept: "application/json" },
                });
                return { status: response.status, body: await response.json() };
              });
              assert.equal(fromPage.status, 403);
              assert.match(fromPage.body.error, /CSRF token/);
              const csrf = await page.locator('meta[name="csrf-token"]').getAttribute("content");
              const foreign = await fetch(`${dashboard.origin}/queues/default/pause`, {
                method: "POST",
                headers: { origin: "http://evil.example", "x-csrf-token": csrf! },
              });
              assert.equal(foreign.status, 403);
              await foreign.body?.cancel();
              const queues = await json<QueueJson[]>(home, ["queue", "list"]);
              assert.equal(queues.find((q) => q.name === "default")?.paused, false);
            },
          );

          assert.deepEqual(errors, [], "no script error on any page");
        });
      } finally {
        await ok(home, ["worker", "stop", "--timeout", "20"]).catch(() => "");
        assert.equal(await dashboard.stop(), 0, dashboard.stderr());
      }
    });
  },
});

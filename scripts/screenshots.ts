// deno-lint-ignore-file no-console
/**
 * `deno task screenshots`: the README's pictures of the dashboard, taken in a real run. A queue
 * home gets an hour of history, made by the real store with its clock driven through the last hour
 * (so the chart has something to show), then real workers run real jobs (a build printing its
 * steps, conversions, a backup that fails into the DLQ) while `queuectl dashboard` serves it and
 * headless Chromium takes docs/dashboard-overview.png and docs/dashboard-job.png.
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PERMISSION_FLAGS } from "../src/permissions.ts";
import { JournalQueueStore } from "../src/queue/mod.ts";

const PROJECT = fileURLToPath(new URL("../", import.meta.url));
const home = await Deno.makeTempDir({ prefix: "queuectl-screenshots-" });
const queuectl = [
  "run",
  "--quiet",
  "--no-prompt",
  ...PERMISSION_FLAGS,
  `--config=${join(PROJECT, "deno.json")}`,
  join(PROJECT, "main.ts"),
  "--home",
  home,
];

async function q(...args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [...queuectl, ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(stdout);
  if (code !== 0 && !(args[0] === "wait" && code === 1)) {
    throw new Error(`queuectl ${args.join(" ")}: ${new TextDecoder().decode(stderr)}`);
  }
  return text;
}

/** An hour of history through the real store, its clock moved by hand. */
async function history(): Promise<void> {
  let t = Date.now() - 60 * 60_000;
  const store = await JournalQueueStore.open(home, { now: () => t });
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const queues = ["default", "convert", "convert", "reports"];
  for (let minute = 0; minute < 58; minute++) {
    const end = t + 60_000;
    const count = Math.round(14 + 9 * Math.sin(minute / 6) + random() * 6);
    for (let i = 0; i < count; i++) {
      // Some photos cannot be converted: they fail once, for good (no retries).
      const fails = random() < 0.04;
      await store.enqueue([{
        id: `photo-${minute}-${i}`,
        command: `convert photo-${minute}-${i}.png photo-${minute}-${i}.webp`,
        queue: queues[i % queues.length]!,
        max_retries: fails ? 0 : 2,
      }], { cwd: "/home/ada/photos" });
      t += 20 + random() * 600; // wait
      const claim = (await store.claimNext("w-history"))!;
      t += 150 + random() * (i % 7 === 0 ? 4000 : 1200); // run
      await store.settle(claim, {
        exitCode: fails ? 1 : 0,
        signal: null,
        timedOut: false,
        error: fails ? "exit code 1: convert: no decode delegate for this image format" : null,
      });
      t += 100 + random() * 400;
    }
    t = Math.max(t, end);
  }
  await store.close();
}

const BUILD = [
  "set -e",
  'step() { echo "==> $1"; sleep 0.4; }',
  "step 'fetching sources'; echo 'git fetch origin main: 14 new commits'",
  "step 'installing dependencies'; echo 'added 312 packages in 2.1s'",
  "step 'compiling'; for f in api cli core web worker; do echo \"  tsc src/$f\"; sleep 0.3; done",
  "step 'running tests'; for i in $(seq 1 40); do echo \"  ok $i - test $i\"; sleep 0.25; done",
  "echo 'all tests passed'",
].join("\n");

let dashboard: Deno.ChildProcess | undefined;
try {
  console.log(`queue home: ${home}`);
  await history();
  await q("queue", "set", "backups", "--concurrency", "1");
  await q(
    "schedule",
    "add",
    "nightly-backup",
    "--cron",
    "0 3 * * *",
    "--timezone",
    "Europe/Berlin",
    "--job",
    '{"command":"tar czf /var/backups/home.tgz /home","queue":"backups"}',
  );
  await q(
    "schedule",
    "add",
    "hourly-report",
    "--cron",
    "0 * * * *",
    "--job",
    '{"command":"./report.sh","queue":"reports"}',
  );
  await q(
    "enqueue",
    "--queue",
    "backups",
    "--id",
    "backup-db",
    "--max-retries",
    "0",
    "--",
    "echo 'pg_dump: connection refused' >&2; exit 2",
  );
  await q("worker", "start", "--count", "2");
  await q("enqueue", "--id", "build-1842", "--priority", "5", "--", BUILD);
  await q("enqueue", "--id", "deploy-1842", "--after", "build-1842", "--", "echo deploying");
  for (let i = 0; i < 6; i++) {
    await q(
      "enqueue",
      "--queue",
      "convert",
      "--",
      `sleep 0.$((RANDOM % 9)); echo converted clip-${i}.mp4`,
    );
  }
  await q("enqueue", "--queue", "reports", "--delay", "10m", "--", "./report.sh --weekly");
  await q("wait", "backup-db", "--timeout", "30");

  dashboard = new Deno.Command(Deno.execPath(), {
    args: [...queuectl, "dashboard", "--listen", "127.0.0.1:0", "--json"],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = dashboard.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let line = "";
  while (!line.includes("\n")) line += (await reader.read()).value ?? "";
  const { url } = JSON.parse(line) as { url: string };
  void (async () => {
    while (!(await reader.read()).done) { /* drain */ }
  })();

  Deno.env.set("__IS_WSL_TEST__", "1"); // see tests/web/_browser.ts
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--disable-sync"],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(url);
    await page.locator('#live-status[data-state="live"]').waitFor();
    await page.locator("#chart canvas").waitFor();
    await page.waitForTimeout(1500);
    const overview = join(PROJECT, "docs", "dashboard-overview.png");
    await page.screenshot({ path: overview, fullPage: true });
    console.log(`wrote ${overview}`);
    await page.goto(`${url}jobs/build-1842`);
    await page.locator("#log", { hasText: "running tests" }).waitFor({ timeout: 30_000 });
    await page.locator("#log", { hasText: "ok 12 -" }).waitFor({ timeout: 30_000 });
    const job = join(PROJECT, "docs", "dashboard-job.png");
    await page.screenshot({ path: job, fullPage: true });
    console.log(`wrote ${job}`);
  } finally {
    await browser.close();
  }
} finally {
  await q("worker", "stop", "--now").catch(() => "");
  if (dashboard) {
    dashboard.kill("SIGTERM");
    await dashboard.status;
  }
  await Deno.remove(home, { recursive: true }).catch(() => {});
}

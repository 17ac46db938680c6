// deno-lint-ignore-file no-console
/**
 * The dashboard's figures for `deno task bench`: how fast each page and `/metrics` answer on a
 * queue of 100,000 jobs (every request rendered anew: the page cache is bypassed), what open pages
 * cost an idle dashboard, and the queue's throughput with and without 20 pages open that follow it
 * live. Also runs alone: `deno run -A scripts/bench_dashboard.ts [--quick]`.
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PERMISSION_FLAGS } from "../src/permissions.ts";
import { writeSyntheticJournal } from "./synthetic_journal.ts";

/** One line of the benchmark table. */
export interface BenchRow {
  figure: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
  met: string;
}

/** How to run it. */
export interface DashboardBenchOptions {
  /** The queuectl command: program and leading arguments. */
  queuectl: string[];
  env: Record<string, string>;
  /** A temporary directory for the homes. */
  scratch: string;
  /** Jobs in the big queue (100,000). */
  jobs: number;
  /** Requests per page. */
  samples: number;
  /** Jobs of the throughput runs. */
  throughputJobs: number;
  /** Told each row as it is measured. */
  onRow?: (row: BenchRow) => void;
}

const decoder = new TextDecoder();

async function run(command: string[], env: Record<string, string>, stdin?: string) {
  const child = new Deno.Command(command[0]!, {
    args: command.slice(1),
    env,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  if (code !== 0) {
    throw new Error(`${command.join(" ")} failed (${code}): ${decoder.decode(stderr)}`);
  }
  return decoder.decode(stdout);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** A dashboard started as users start it, and the pid of its server process. */
async function startDashboard(options: DashboardBenchOptions, home: string) {
  const process = new Deno.Command(options.queuectl[0]!, {
    args: [
      ...options.queuectl.slice(1),
      "--home",
      home,
      "dashboard",
      "--listen",
      "127.0.0.1:0",
      "--json",
    ],
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = process.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("queuectl dashboard exited before it listened");
    text += value;
  }
  const { port } = JSON.parse(text.split("\n")[0]!) as { port: number };
  const ps = await run(["ps", "-o", "pid=", "--ppid", String(process.pid)], options.env);
  const serverPid = Number(ps.trim().split("\n")[0]);
  return {
    origin: `http://127.0.0.1:${port}`,
    serverPid,
    async stop() {
      process.kill("SIGTERM");
      await process.status;
      await reader.cancel();
    },
  };
}

/** CPU time (user + system) a process has used, in ms; `/proc` is read through `cat`. */
async function cpuMs(pid: number, env: Record<string, string>): Promise<number> {
  const stat = await run(["cat", `/proc/${pid}/stat`], env);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
}

/**
 * Pages left open: each follows `/events` and, on every change, fetches its page again, as the
 * page's script does.
 */
function openPages(origin: string, count: number, path: string) {
  const controller = new AbortController();
  let fetches = 0;
  const pages = Array.from({ length: count }, async () => {
    try {
      const response = await fetch(`${origin}/events`, { signal: controller.signal });
      let buffer = "";
      for await (const chunk of response.body!.pipeThrough(new TextDecoderStream())) {
        buffer += chunk;
        const events = buffer.split("\n\n");
        buffer = events.pop()!;
        if (events.some((event) => event.startsWith("event: change"))) {
          fetches++;
          await (await fetch(`${origin}${path}`, { signal: controller.signal })).text();
        }
      }
    } catch {
      // Closed by the bench.
    }
  });
  return {
    fetches: () => fetches,
    async close() {
      controller.abort();
      await Promise.all(pages);
    },
  };
}

/**
 * Measures the dashboard.
 * @param options The command, the scratch directory, the sizes.
 * @returns The rows.
 */
export async function dashboardBench(options: DashboardBenchOptions): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const row = (r: BenchRow) => {
    rows.push(r);
    options.onRow?.(r);
  };
  const q = (home: string, ...args: string[]) =>
    run([...options.queuectl, "--home", home, ...args], options.env);

  // 1. Pages at 100,000 jobs: 40 % pending, 60 % completed in the last quarter hour (so the
  // overview's hour has a full chart and percentiles).
  const home = join(options.scratch, "dashboard");
  const completed = Math.round(options.jobs * 0.6);
  await writeSyntheticJournal(home, {
    // Exactly `completed` finished jobs: 3 records each, a heartbeat every 10th, one worker record.
    historical: 2 + 3 * (completed - 1) + Math.floor((completed - 1) / 10),
    pending: options.jobs - completed,
    ageDays: 0.01,
  });
  const total = JSON.parse(await q(home, "status", "--json")).jobs.total as number;
  const dashboard = await startDashboard(options, home);
  try {
    const pages = [
      "/",
      "/jobs",
      "/jobs?state=pending&page=400",
      "/jobs?q=img5999",
      "/jobs/pending-123",
      "/dlq",
      "/queues",
      "/workers",
      "/metrics",
      "/api/status",
      "/api/jobs?limit=100",
    ];
    for (const page of pages) {
      const times: number[] = [];
      for (let i = 0; i < options.samples + 2; i++) {
        // A query the page ignores makes every request a new render (no page cache).
        const url = `${dashboard.origin}${page}${page.includes("?") ? "&" : "?"}bench=${i}`;
        const started = performance.now();
        const response = await fetch(url);
        await response.text();
        if (!response.ok) throw new Error(`GET ${page}: ${response.status}`);
        if (i >= 2) times.push(performance.now() - started); // two warm-ups
      }
      const p95 = percentile(times, 95);
      row({
        figure: `dashboard GET ${page}, ${total} jobs`,
        value: `p50 ${percentile(times, 50).toFixed(1)} ms`,
        baseline: `p95 ${p95.toFixed(1)} ms`,
        ratio: "-",
        target: "<= 100 ms",
        met: p95 <= 100 ? "yes" : "NO",
      });
    }
    // 2. Open pages on an idle queue: the dashboard does nothing until something changes.
    const open = openPages(dashboard.origin, 20, "/");
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = await cpuMs(dashboard.serverPid, options.env);
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const idle = (await cpuMs(dashboard.serverPid, options.env)) - before;
    await open.close();
    row({
      figure: "dashboard CPU, 20 pages open, idle queue, 5 s",
      value: `${idle} ms`,
      baseline: "no polling",
      ratio: "-",
      target: "-",
      met: "",
    });
  } finally {
    await dashboard.stop();
  }

  // 3. Throughput with no page and with 20 pages following the queue live.
  let runs = 0;
  const throughput = async (pageCount: number | undefined) => {
    const runHome = join(options.scratch, `dashboard-throughput-${runs++}`);
    const lines = Array.from({ length: options.throughputJobs }, () => '{"command":"true"}');
    await run(
      [...options.queuectl, "--home", runHome, "enqueue", "--file", "-"],
      options.env,
      lines.join("\n"),
    );
    const served = pageCount !== undefined ? await startDashboard(options, runHome) : undefined;
    const open = served && pageCount ? openPages(served.origin, pageCount, "/") : undefined;
    try {
      const cpuBefore = served ? await cpuMs(served.serverPid, options.env) : 0;
      const started = performance.now();
      await q(runHome, "worker", "start", "--count", "2");
      await q(runHome, "wait", "--timeout", "900");
      const ms = performance.now() - started;
      const cpu = served ? (await cpuMs(served.serverPid, options.env)) - cpuBefore : 0;
      await q(runHome, "worker", "stop");
      return { rate: (options.throughputJobs / ms) * 1000, cpu, fetches: open?.fetches() ?? 0, ms };
    } finally {
      await open?.close();
      await served?.stop();
    }
  };
  // Alternated, twice each: one run's noise on two shared cores is larger than what is measured.
  const results = new Map<string, { rate: number; cpu: number; fetches: number; ms: number }[]>();
  for (let round = 0; round < 2; round++) {
    for (const [name, pageCount] of [["none", undefined], ["idle", 0], ["pages", 20]] as const) {
      const result = await throughput(pageCount);
      results.set(name, [...(results.get(name) ?? []), result]);
    }
  }
  const mean = (name: string, key: "rate" | "cpu" | "fetches" | "ms") => {
    const values = results.get(name)!.map((r) => r[key]);
    return values.reduce((a, b) => a + b, 0) / values.length;
  };
  const none = mean("none", "rate");
  const labels: [string, string][] = [
    ["idle", "a dashboard, no page open"],
    ["pages", "20 live pages open"],
  ];
  for (const [name, label] of labels) {
    row({
      figure: `throughput, ${options.throughputJobs} x true, 2 workers, ${label}`,
      value: `${mean(name, "rate").toFixed(0)} jobs/s`,
      baseline: `no dashboard: ${none.toFixed(0)}/s`,
      ratio: `${(mean(name, "rate") / none).toFixed(2)}x`,
      target: "-",
      met: "",
    });
    row({
      figure: "  the dashboard's own CPU during that run",
      value: `${mean(name, "cpu").toFixed(0)} ms`,
      baseline: `${mean(name, "fetches").toFixed(0)} page fetches`,
      ratio: `${(mean(name, "cpu") / mean(name, "ms") * 100).toFixed(0)}% of a core`,
      target: "-",
      met: "",
    });
  }
  return rows;
}

if (import.meta.main) {
  const quick = Deno.args.includes("--quick");
  const project = fileURLToPath(new URL("../", import.meta.url));
  const scratch = await Deno.makeTempDir({ prefix: "queuectl-bench-dashboard-" });
  try {
    await dashboardBench({
      queuectl: [
        Deno.execPath(),
        "run",
        "--quiet",
        "--no-prompt",
        ...PERMISSION_FLAGS,
        `--config=${join(project, "deno.json")}`,
        join(project, "main.ts"),
      ],
      env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", NO_COLOR: "1" },
      scratch,
      jobs: quick ? 10_000 : 100_000,
      samples: quick ? 5 : 20,
      throughputJobs: quick ? 300 : 2000,
      onRow: (r) =>
        console.log(
          `${r.figure.padEnd(60)} ${r.value.padStart(16)}  ${r.baseline.padStart(22)}  ${
            r.ratio.padStart(14)
          }  ${r.target} ${r.met}`,
        ),
    });
  } finally {
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
}

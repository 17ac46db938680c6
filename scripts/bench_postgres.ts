// deno-lint-ignore-file no-console
/**
 * The PostgreSQL store's figures for `deno task bench`, each beside the journal's from the same
 * run: claims+settles per second of no-op jobs with 1, 4 and 16 claimer processes, batch enqueue
 * and pickup latency, and graphile-worker's published figures for reference. Every PostgreSQL
 * figure gets a database of its own, dropped afterwards; without a server the rows say so.
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "npm:postgres@3.4.9";
import { openStore } from "../src/open_store.ts";
import type { BenchRow } from "./bench_dashboard.ts";

const PROJECT = fileURLToPath(new URL("../", import.meta.url));
const CLAIMER = fileURLToPath(new URL("./bench_claimer.ts", import.meta.url));
const DEFAULT_ADMIN_URL = "postgres://queuectl:queuectl@127.0.0.1:5432/postgres";
const SKIPPED = "skipped: no PostgreSQL";

/** What a pickup latency run found, in milliseconds. */
export interface Pickup {
  p50: number;
  p95: number;
}

/** What a batch enqueue run found. */
export interface Batch {
  rate: number;
  ms: number;
}

/** How to run it. */
export interface StoreBenchOptions {
  /** A temporary directory for the homes. */
  scratch: string;
  /** Pre-enqueued jobs of each claims run. */
  jobs: number;
  /** Jobs of the batch enqueue. */
  batch: number;
  /** Jobs of the pickup latency. */
  samples: number;
  /** Longest a claims run may take before it is stopped and reported. */
  deadlineMs: number;
  /** Batch enqueue through the installed command, on a home and with these store options. */
  batchEnqueue: (home: string, storeArgs: string[]) => Promise<Batch>;
  /** Pickup latency through the installed command, on a home and with these store options. */
  pickupLatency: (home: string, storeArgs: string[]) => Promise<Pickup>;
  /** The journal's figures from this run's rows above. */
  journal: { batch: Batch; pickup: Pickup };
  /** Told each row as it is measured. */
  onRow: (row: BenchRow) => void;
}

/** The PostgreSQL server the bench uses, if it answers. */
export interface BenchServer {
  adminUrl: string;
  /** Version and the settings that bear on the figures, for the report. */
  description: string;
}

/**
 * The admin URL (`QUEUECTL_BENCH_PG`, else the local test server) if a server answers there.
 * Requires `--allow-env`, `--allow-net` to the server.
 * @returns The server, or `undefined` (and why, on stdout).
 */
export async function findServer(): Promise<BenchServer | undefined> {
  const adminUrl = Deno.env.get("QUEUECTL_BENCH_PG") || DEFAULT_ADMIN_URL;
  const admin = postgres(adminUrl, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    const [row] = await admin`SELECT current_setting('server_version') AS version,
      current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sync,
      current_setting('shared_buffers') AS buffers`;
    return {
      adminUrl,
      description: `PostgreSQL ${row!.version} on ${new URL(adminUrl).host}, fsync=${
        row!.fsync
      }, synchronous_commit=${row!.sync}, shared_buffers=${row!.buffers}`,
    };
  } catch (error) {
    console.log(
      `(no PostgreSQL at ${redact(adminUrl)}: ${messageOf(error)}; its rows are skipped)`,
    );
    return undefined;
  } finally {
    await admin.end({ timeout: 1 }).catch(() => {});
  }
}

/**
 * Runs `body` with the URL of a new database, dropped (`WITH (FORCE)`) afterwards.
 * @param adminUrl A role that may create databases.
 * @param body What to measure.
 * @returns What `body` returns.
 */
async function withDatabase<T>(adminUrl: string, body: (url: string) => Promise<T>): Promise<T> {
  const name = `queuectl_bench_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    try {
      return await body(url.toString());
    } finally {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch((error) =>
        console.log(`(could not drop database ${name}: ${messageOf(error)})`)
      );
    }
  } finally {
    await admin.end({ timeout: 1 }).catch(() => {});
  }
}

/** Reads a stream line by line. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffered = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffered += chunk;
    let end;
    while ((end = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
    }
  }
  if (buffered !== "") yield buffered;
}

/** Rejects when `ms` pass first. */
function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no end after ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * Claims+settles per second: `jobs` no-op jobs enqueued first (not timed), then `claimers`
 * processes, each with its own store, claim and settle them as a worker does until none is left.
 * Timed from the go (every claimer open and registered) to the last one's `done`.
 */
async function claimRate(
  home: string,
  url: string | undefined,
  claimers: number,
  jobs: number,
  deadlineMs: number,
): Promise<number> {
  const store = await openStore(home, url);
  try {
    const input = { command: "true" };
    for (let i = 0; i < jobs; i += 10_000) {
      await store.submit(Array(Math.min(10_000, jobs - i)).fill(input), { cwd: "/" });
    }
  } finally {
    await store.close();
  }
  const net = url === undefined ? [] : [`--allow-net=${new URL(url).host}`];
  const children = Array.from({ length: claimers }, (_, i) =>
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--no-prompt",
        `--config=${join(PROJECT, "deno.json")}`,
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-sys=hostname,uid",
        ...net,
        CLAIMER,
        home,
        url ?? "journal",
        `bench-claimer-${i + 1}`,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn());
  const stderr = children.map((child) => new Response(child.stderr).text());
  const outputs = children.map((child) => lines(child.stdout));
  const next = async (i: number, expected: string) => {
    const { value, done } = await outputs[i]!.next();
    if (done || !value.startsWith(expected)) {
      const status = await children[i]!.status;
      throw new Error(
        `claimer ${i + 1} said ${
          done ? "nothing" : `"${value}"`
        } (exit ${status.code}): ${await stderr[
          i
        ]!}`,
      );
    }
    return value;
  };
  try {
    await deadline(
      Promise.all(children.map((_, i) => next(i, "ready"))),
      deadlineMs,
      "claimers starting",
    );
    const started = performance.now();
    await Promise.all(children.map(async (child) => {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode("go\n"));
      await writer.close();
    }));
    const counts = await deadline(
      Promise.all(children.map(async (_, i) => Number((await next(i, "done ")).slice(5)))),
      deadlineMs,
      `${claimers} claimers over ${jobs} jobs`,
    );
    const ms = performance.now() - started;
    const claimed = counts.reduce((a, b) => a + b, 0);
    if (claimed !== jobs) throw new Error(`${claimers} claimers took ${claimed} of ${jobs} jobs`);
    await deadline(Promise.all(children.map((child) => child.status)), 30_000, "claimers exiting");
    return (jobs / ms) * 1000;
  } finally {
    for (const child of children) {
      try {
        child.kill("SIGKILL");
      } catch {
        // Exited already.
      }
    }
    await Promise.allSettled(children.map((child) => child.status));
    await Promise.allSettled(stderr);
  }
}

/**
 * Measures and reports the rows, PostgreSQL beside the journal.
 * @param server The server, or `undefined` to report the PostgreSQL figures as skipped.
 * @param options Counts, the CLI-based measures, the journal's figures, the row sink.
 */
export async function storeBench(
  server: BenchServer | undefined,
  options: StoreBenchOptions,
): Promise<void> {
  const { scratch, jobs, onRow } = options;
  const onDatabase = <T>(body: (url: string) => Promise<T>) => withDatabase(server!.adminUrl, body);
  const fmt = (rate: number) => `${rate.toFixed(0)}/s`;

  // 1. Claims+settles per second, 1, 4 and 16 claimer processes.
  for (const claimers of [1, 4, 16]) {
    const figure = `claims+settles/s, ${jobs} no-op jobs, ${claimers} claimer process${
      claimers === 1 ? "" : "es"
    }`;
    const journal = await attempt(
      `journal, ${claimers} claimers`,
      () =>
        claimRate(
          join(scratch, `claims-${claimers}`),
          undefined,
          claimers,
          jobs,
          options.deadlineMs,
        ),
    );
    const pg = server === undefined ? undefined : await attempt(
      `PostgreSQL, ${claimers} claimers`,
      () =>
        onDatabase((url) =>
          claimRate(join(scratch, `claims-pg-${claimers}`), url, claimers, jobs, options.deadlineMs)
        ),
    );
    onRow({
      figure,
      value: server === undefined
        ? SKIPPED
        : pg === undefined
        ? "failed"
        : `PostgreSQL: ${fmt(pg)}`,
      baseline: journal === undefined ? "journal: failed" : `journal: ${fmt(journal)}`,
      ratio: pg !== undefined && journal !== undefined ? `${(pg / journal).toFixed(2)}x` : "-",
      target: "-",
      met: "",
    });
  }

  // 2. Batch enqueue, as the journal's row above.
  {
    const pg = server === undefined ? undefined : await attempt(
      "PostgreSQL batch enqueue",
      () => onDatabase((url) => options.batchEnqueue(join(scratch, "batch-pg"), ["--store", url])),
    );
    const { batch: journal } = options.journal;
    onRow({
      figure: `PostgreSQL batch enqueue, ${options.batch} jobs via --file`,
      value: server === undefined
        ? SKIPPED
        : pg === undefined
        ? "failed"
        : `${pg.rate.toFixed(0)} jobs/s`,
      baseline: `journal: ${journal.rate.toFixed(0)} jobs/s`,
      ratio: pg === undefined ? "-" : `${(pg.rate / journal.rate).toFixed(2)}x`,
      target: "-",
      met: "",
    });
  }

  // 3. Pickup latency, as the journal's row above.
  {
    const pg = server === undefined ? undefined : await attempt(
      "PostgreSQL pickup latency",
      () =>
        onDatabase(async (url) => {
          // The journal makes its home; with PostgreSQL, workers still need one for their logs.
          const home = join(scratch, "pickup-pg");
          await Deno.mkdir(home, { recursive: true, mode: 0o700 });
          return await options.pickupLatency(home, ["--store", url]);
        }),
    );
    const { pickup: journal } = options.journal;
    onRow({
      figure: `PostgreSQL pickup latency, idle worker (${options.samples} jobs)`,
      value: server === undefined
        ? SKIPPED
        : pg === undefined
        ? "failed"
        : `p50 ${pg.p50.toFixed(0)} ms, p95 ${pg.p95.toFixed(0)} ms`,
      baseline: `journal: p50 ${journal.p50.toFixed(0)} ms, p95 ${journal.p95.toFixed(0)} ms`,
      ratio: "-",
      target: "p50 <= 50 ms",
      met: pg === undefined ? "" : pg.p50 <= 50 ? "yes" : "NO",
    });
  }

  // 4. For reference: graphile-worker's own published figures, on its authors' machine.
  for (const reference of GRAPHILE_WORKER) onRow(reference);
}

/** graphile-worker's published perfTest (website/docs/performance.md), not measured here. */
const GRAPHILE_WORKER: BenchRow[] = [
  {
    figure: "graphile-worker, published, different hardware: jobs processed",
    value: "~11,800 jobs/s",
    baseline: "12-core Ryzen 3900, DB local, 4 x 10 at once",
    ratio: "-",
    target: "-",
    met: "",
  },
  {
    figure: "graphile-worker, published, different hardware: jobs queued",
    value: "~99,600 jobs/s",
    baseline: "same test",
    ratio: "-",
    target: "-",
    met: "",
  },
  {
    figure: "graphile-worker, published, different hardware: add_job to start",
    value: "avg 2.66 ms",
    baseline: "same test",
    ratio: "-",
    target: "-",
    met: "",
  },
];

/**
 * The report's lines on these rows.
 * @param options The counts.
 * @param server The server used, if any.
 * @returns Markdown list items.
 */
export function storeBenchNotes(
  options: Pick<StoreBenchOptions, "jobs" | "batch" | "samples">,
  server: BenchServer | undefined,
): string {
  const { jobs, batch, samples } = options;
  const where = server === undefined
    ? "no PostgreSQL server answered (`QUEUECTL_BENCH_PG`, default the local test server), so its figures are skipped"
    : `${server.description}, on this machine and its cores`;
  // One line per item: deno fmt wraps the report, but cannot wrap inside a code span.
  return `- **PostgreSQL beside the journal**: ${where}. Every PostgreSQL figure on a database of
  its own (\`CREATE DATABASE\`, then \`DROP DATABASE … WITH (FORCE)\`), every journal figure on a
  home of its own; ratio: PostgreSQL over the journal.
- **claims+settles/s**: the stores alone, no process started for a job. ${jobs} jobs of \`true\`
  enqueued first (\`store.submit\`, not timed), then 1, 4 or 16 claimer processes
  (\`scripts/bench_claimer.ts\`), each with its own store as a worker process has, do what a
  worker's loop does with the run's result made up (exit 0): \`claimNext\`, then
  \`settleAndClaimNext\` until nothing is left. Timed from the go (every claimer open and
  registered) to the last claimer's \`done\`; the counts must add up to ${jobs}. Processes rather
  than async loops in one process: the journal serializes a process's transactions and its lock is
  per process, and each worker is a process of its own. 16 claimers (and, for PostgreSQL, the
  server) share this machine's cores. Journal: default \`fsync=always\` (a settle is durable, a
  claim is not). PostgreSQL: a claim is one transaction and a settle another, each committed
  durably.
- **PostgreSQL batch enqueue** and **PostgreSQL pickup latency**: the journal's rows above (${batch}
  and ${samples} jobs), with \`--store URL\`; the journal column repeats those rows' figures. The
  installed \`queuectl\` has no network permission: with \`--store\` each command runs itself
  again with \`--allow-net\` for the database's host alone, so a command's wall time includes a
  second start (pickup is measured from \`created_at\`, after it).
- **graphile-worker**: not run here; the figures its documentation publishes
  (\`website/docs/performance.md\` in graphile/worker): its perfTest of 20,000 trivial jobs, 4 Node
  processes each running 10 at once, on a 12-core AMD Ryzen 3900 with the database on the same
  machine: ~11,800 jobs/s processed, ~99,600 jobs/s queued, 2.66 ms on average from \`add_job\` to
  the task's start. A later edition of that page gives ~15,600 jobs/s without batching and ~184,000
  with it (i9-14900K, 4 processes x 24 jobs at once). Other hardware, and other work per job (a
  JavaScript function in the worker, no run record kept): an order of magnitude, not a ratio.
`.replace(/\n {2}/g, " ");
}

/** What `body` measured, or `undefined` (said on stdout) when it failed: one figure, not the run. */
async function attempt<T>(what: string, body: () => Promise<T>): Promise<T | undefined> {
  try {
    return await body();
  } catch (error) {
    console.log(`(${what} failed: ${messageOf(error)})`);
    return undefined;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function redact(url: string): string {
  return url.replace(/^(\w+:\/\/[^:/@]*:)[^@]*@/, "$1***@");
}

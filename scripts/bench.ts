// deno-lint-ignore-file no-console
/**
 * `deno task bench`: queuectl against the machine's floor and its peers, side by side in one run,
 * on temporary homes. Prints a table and writes docs/benchmarks.md.
 *
 * Usage: deno task bench [--quick] [--no-write]
 *   --quick     smaller counts (a smoke run; figures not comparable with the targets)
 *   --no-write  print only, leave docs/benchmarks.md alone
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { dashboardBench } from "./bench_dashboard.ts";
import {
  type Batch,
  findServer,
  type Pickup,
  storeBench,
  storeBenchNotes,
} from "./bench_postgres.ts";
import { writeSyntheticJournal } from "./synthetic_journal.ts";

const PROJECT = fileURLToPath(new URL("../", import.meta.url));
const quick = Deno.args.includes("--quick");
const write = !Deno.args.includes("--no-write");
const JOBS = quick ? 500 : 5000;
const BATCH = quick ? 10_000 : 100_000;
const HISTORY = quick ? 100_000 : 1_000_000;
const PENDING = quick ? 10_000 : 100_000;
const SAMPLES = quick ? 10 : 30;
/** Jobs submitted and run end to end (issue 14's measure). */
const E2E_JOBS = quick ? 500 : 3000;

const decoder = new TextDecoder();
const scratch = await Deno.makeTempDir({ prefix: "queuectl-bench-" });

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

async function run(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
  stdin?: string,
): Promise<Run> {
  const started = performance.now();
  const child = new Deno.Command(cmd, {
    args,
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
  return {
    code,
    stdout: decoder.decode(stdout),
    stderr: decoder.decode(stderr),
    ms: performance.now() - started,
  };
}

async function sh(script: string, env: Record<string, string> = {}): Promise<Run> {
  return await run("bash", ["-c", script], env);
}

async function must(r: Promise<Run>, what: string): Promise<Run> {
  const result = await r;
  if (result.code !== 0) throw new Error(`${what} failed (${result.code}): ${result.stderr}`);
  return result;
}

async function which(cmd: string): Promise<boolean> {
  return (await sh(`command -v ${cmd}`)).code === 0;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

// The installed command, as users run it.
const root = join(scratch, "install");
const path = `${join(root, "bin")}:${Deno.execPath().replace(/\/[^/]+$/, "")}:${
  Deno.env.get("PATH")
}`;
await must(
  sh(`cd "${PROJECT}" && deno task install`, { DENO_INSTALL_ROOT: root, PATH: path }),
  "install",
);
const QUEUECTL = join(root, "bin", "queuectl");
// QUEUECTL_STORE emptied: the journal's rows measure the journal whatever the caller's environment.
const env = { PATH: path, NO_COLOR: "1", QUEUECTL_STORE: "" };
const q = (home: string, ...args: string[]) => run(QUEUECTL, ["--home", home, ...args], env);
const qs = (home: string, stdin: string, ...args: string[]) =>
  run(QUEUECTL, ["--home", home, ...args], env, stdin);

interface Row {
  figure: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
  met: string;
}
const rows: Row[] = [];
const row = (r: Row) => {
  rows.push(r);
  console.log(
    `${r.figure.padEnd(48)} ${r.value.padStart(14)}  ${r.baseline.padStart(22)}  ${
      r.ratio.padStart(7)
    }  ${r.target} ${r.met}`,
  );
};
const yes = (ok: boolean) => (ok ? "yes" : "NO");

async function throughput(workers: number): Promise<number> {
  const home = join(scratch, `throughput-${workers}`);
  const lines = Array.from({ length: JOBS }, () => '{"command":"true"}').join("\n");
  await must(qs(home, lines, "enqueue", "--file", "-"), "enqueue");
  const started = performance.now();
  await must(q(home, "worker", "start", "--count", String(workers)), "worker start");
  await must(q(home, "wait", "--timeout", "900"), "wait");
  const ms = performance.now() - started;
  await must(q(home, "worker", "stop"), "worker stop");
  return (JOBS / ms) * 1000;
}

async function xargsRate(workers: number): Promise<number> {
  const r = await must(sh(`seq ${JOBS} | xargs -P ${workers} -n 1 sh -c true`), "xargs");
  return (JOBS / r.ms) * 1000;
}

async function tspRate(workers: number): Promise<number | undefined> {
  if (!(await which("tsp"))) return undefined;
  const socket = join(scratch, `tsp-${workers}.socket`);
  const tspEnv = { TS_SOCKET: socket, TS_MAXFINISHED: String(JOBS + 10), TMPDIR: scratch };
  await must(sh(`tsp -S ${workers}`, tspEnv), "tsp -S");
  const r = await must(
    sh(
      `for i in $(seq ${JOBS}); do tsp -n true >/dev/null; done; tsp -w >/dev/null; tsp -K`,
      tspEnv,
    ),
    "tsp",
  );
  return (JOBS / r.ms) * 1000;
}

/**
 * End to end, as a user submits work: workers already idle, then timed from the submission of
 * E2E_JOBS jobs of `true` (one `enqueue --file`) until `wait` returns.
 */
async function endToEnd(count: number, slots: number): Promise<number> {
  const home = join(scratch, `e2e-${count}x${slots}`);
  const lines = Array.from({ length: E2E_JOBS }, () => '{"command":"true"}').join("\n");
  await must(
    q(home, "worker", "start", "--count", String(count), "--concurrency", String(slots)),
    "worker start",
  );
  try {
    const started = performance.now();
    await must(qs(home, lines, "enqueue", "--file", "-"), "enqueue");
    await must(q(home, "wait", "--timeout", "900"), "wait");
    return (E2E_JOBS / (performance.now() - started)) * 1000;
  } finally {
    await must(q(home, "worker", "stop"), "worker stop");
  }
}

/** Installs a Debian package when its command is missing (the bench's peers). */
async function ensureCommand(cmd: string, pkg: string): Promise<boolean> {
  if (await which(cmd)) return true;
  console.log(`(installing ${pkg} for the side-by-side figures)`);
  await sh(
    `apt-get install -y ${pkg} >/dev/null 2>&1 || ` +
      `(apt-get update >/dev/null 2>&1 && apt-get install -y ${pkg} >/dev/null 2>&1)`,
  );
  return await which(cmd);
}

async function parallelRate(workers: number): Promise<number | undefined> {
  if (!(await which("parallel"))) return undefined;
  const r = await must(sh(`seq ${JOBS} | parallel --will-cite -j ${workers} true`), "parallel");
  return (JOBS / r.ms) * 1000;
}

console.log(`queuectl bench (${quick ? "quick" : "full"}) in ${scratch}\n`);
console.log(
  `${"figure".padEnd(48)} ${"queuectl".padStart(14)}  ${"baseline".padStart(22)}  ${
    "ratio".padStart(7)
  }  target`,
);

// 1. End to end: submit and run, beside xargs -P N and task-spooler -S N (both not durable:
// queuectl fsyncs every claim and every job's end; tsp keeps its queue in memory). The peers run N
// jobs at once as queuectl's shape does: 2 for two workers or two slots, 8 for eight slots.
{
  await ensureCommand("tsp", "task-spooler");
  const xargsAt = async (n: number) =>
    E2E_JOBS / (await must(sh(`seq ${E2E_JOBS} | xargs -P ${n} -n 1 sh -c true`), "xargs")).ms *
    1000;
  const tspAt = async (n: number) => {
    if (!(await which("tsp"))) return undefined;
    const tspEnv = {
      TS_SOCKET: join(scratch, `tsp-e2e-${n}.socket`),
      TS_MAXFINISHED: String(E2E_JOBS + 10),
      TMPDIR: scratch,
    };
    await must(sh(`tsp -S ${n}`, tspEnv), "tsp -S");
    const r = await must(
      sh(
        `for i in $(seq ${E2E_JOBS}); do tsp -n true >/dev/null; done; tsp -w >/dev/null; tsp -K`,
        tspEnv,
      ),
      "tsp",
    );
    return (E2E_JOBS / r.ms) * 1000;
  };
  const peers = new Map<number, { xargs: number; tsp: number | undefined }>();
  for (const n of [2, 8]) peers.set(n, { xargs: await xargsAt(n), tsp: await tspAt(n) });
  for (const [count, slots, n] of [[2, 1, 2], [1, 2, 2], [2, 2, 2], [1, 8, 8]] as const) {
    const ours = await endToEnd(count, slots);
    const { xargs, tsp } = peers.get(n)!;
    const shape = slots === 1 ? `${count} workers` : `${count} worker(s) x ${slots} slots`;
    row({
      figure: `end to end, ${E2E_JOBS} x true, ${shape}, fsync=always`,
      value: `${ours.toFixed(0)} jobs/s`,
      baseline: `xargs -P ${n}: ${xargs.toFixed(0)}/s`,
      ratio: `${(ours / xargs).toFixed(2)}x`,
      target: ">= 0.5x",
      met: yes(ours / xargs >= 0.5),
    });
    if (tsp !== undefined) {
      row({
        figure: `  same, vs task-spooler (tsp -S ${n}, not durable)`,
        value: `${ours.toFixed(0)} jobs/s`,
        baseline: `tsp: ${tsp.toFixed(0)}/s`,
        ratio: `${(ours / tsp).toFixed(2)}x`,
        target: ">= 1.0x",
        met: yes(ours >= tsp),
      });
    }
  }
}

// 1a. Memory per busy job slot: 8 jobs running in one worker process, and in 8 processes.
{
  const rssKiB = async (pid: number) =>
    Number((await sh(`grep VmRSS /proc/${pid}/status | tr -s ' ' | cut -d' ' -f2`)).stdout.trim());
  const busy = async (count: number, slots: number) => {
    const home = join(scratch, `rss-${count}x${slots}`);
    const lines = Array.from({ length: 8 }, () => '{"command":"sleep 30"}').join("\n");
    await must(qs(home, lines, "enqueue", "--file", "-"), "enqueue");
    await must(
      q(home, "worker", "start", "--count", String(count), "--concurrency", String(slots)),
      "worker start",
    );
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const status = JSON.parse((await must(q(home, "status", "--json"), "status")).stdout);
        if (status.jobs.processing === 8) break;
        if (Date.now() > deadline) throw new Error("8 jobs did not start");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const workers = JSON.parse((await must(q(home, "status", "--json"), "status")).stdout)
        .workers as { pid: number; status: string }[];
      let total = 0;
      for (const w of workers.filter((w) => w.status === "running")) total += await rssKiB(w.pid);
      return total / 1024 / 8;
    } finally {
      await must(q(home, "worker", "stop", "--now"), "worker stop");
    }
  };
  const slotted = await busy(1, 8);
  const processes = await busy(8, 1);
  row({
    figure: "worker RSS per busy job slot, 8 jobs running in 1 worker x 8 slots",
    value: `${slotted.toFixed(1)} MiB`,
    baseline: `8 workers x 1: ${processes.toFixed(1)} MiB`,
    ratio: `${(slotted / processes).toFixed(2)}x`,
    target: "<= 16 MiB",
    met: yes(slotted <= 16),
  });
}

// 1b. An idle worker's CPU: no polling while the journal does not change.
{
  const home = join(scratch, "idle");
  await must(q(home, "worker", "start"), "worker start");
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const pid = JSON.parse((await must(q(home, "status", "--json"), "status")).stdout).workers[0]
      .pid;
    const ticks = async () => {
      // Through cat: Deno asks for every permission to read /proc.
      const stat = (await must(sh(`cat /proc/${pid}/stat`), "stat")).stdout;
      const fields = stat.split(") ")[1]!.split(" ");
      return Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks
    };
    const before = await ticks();
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const used = ((await ticks()) - before) * 10; // 100 ticks per second on Linux
    row({
      figure: "idle worker CPU over 10 s (empty queue)",
      value: `${used} ms`,
      baseline: `${(used / 100).toFixed(2)}% of a core`,
      ratio: "-",
      target: "~0",
      met: yes(used <= 100),
    });
  } finally {
    await must(q(home, "worker", "stop"), "worker stop");
  }
}

// 1c. Throughput of a queue filled first.
for (const workers of [2, 4]) {
  const ours = await throughput(workers);
  const floor = await xargsRate(workers);
  const ratio = ours / floor;
  row({
    figure: `throughput, ${JOBS} x true, ${workers} workers, fsync=always`,
    value: `${ours.toFixed(0)} jobs/s`,
    baseline: `xargs -P ${workers}: ${floor.toFixed(0)}/s`,
    ratio: `${ratio.toFixed(2)}x`,
    target: workers === 2 ? ">= 0.80x" : "-",
    met: workers === 2 ? yes(ratio >= 0.8) : "",
  });
  const tsp = await tspRate(workers);
  if (tsp !== undefined) {
    row({
      figure: `  vs task-spooler (tsp -S ${workers})`,
      value: `${ours.toFixed(0)} jobs/s`,
      baseline: `tsp: ${tsp.toFixed(0)}/s`,
      ratio: `${(ours / tsp).toFixed(2)}x`,
      target: "> 1x",
      met: yes(ours > tsp),
    });
  }
  const par = await parallelRate(workers);
  if (par !== undefined) {
    row({
      figure: `  vs GNU parallel -j ${workers}`,
      value: `${ours.toFixed(0)} jobs/s`,
      baseline: `parallel: ${par.toFixed(0)}/s`,
      ratio: `${(ours / par).toFixed(2)}x`,
      target: "> 1x",
      met: yes(ours > par),
    });
  }
}

// 1b. What bounds throughput: Deno's own cost to start \`sh -c true\` in a new session (each job
// needs its own process group) and wait for it, from 2 processes at once, without any queue.
{
  const script = join(scratch, "spawn_floor.ts");
  await Deno.writeTextFile(
    script,
    `const n = Number(Deno.args[0]); const detached = Deno.args[1] === "session";
for (let i = 0; i < n; i++) {
  await new Deno.Command("sh", { args: ["-c", "true"], stdin: "null", stdout: "null", stderr: "null", detached }).spawn().status;
}`,
  );
  const floor = async (mode: string) => {
    const half = Math.floor(JOBS / 2);
    const r = await must(
      sh(
        `deno run --allow-run "${script}" ${half} ${mode} & deno run --allow-run "${script}" ${half} ${mode} & wait`,
        env,
      ),
      "spawn floor",
    );
    return (2 * half / r.ms) * 1000;
  };
  const session = await floor("session");
  const plain = await floor("plain");
  row({
    figure: "  bound: Deno spawning sh -c true in a new session, x2",
    value: `${session.toFixed(0)} jobs/s`,
    baseline: `no new session: ${plain.toFixed(0)}/s`,
    ratio: "-",
    target: "-",
    met: "",
  });
}

// 2. Enqueue latency against the runtime's start floor.
{
  const home = join(scratch, "latency");
  const empty = join(scratch, "empty.ts");
  await Deno.writeTextFile(empty, "");
  await q(home, "status");
  const ours: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    floor.push((await must(run(Deno.execPath(), ["run", empty], env), "deno run")).ms);
    ours.push((await must(q(home, "enqueue", `{"command":"true","id":"lat-${i}"}`), "enqueue")).ms);
  }
  const ratio = median(ours) / median(floor);
  row({
    figure: `enqueue latency, median of ${SAMPLES}`,
    value: `${median(ours).toFixed(1)} ms`,
    baseline: `deno run empty: ${median(floor).toFixed(1)} ms`,
    ratio: `${ratio.toFixed(2)}x`,
    target: "<= 1.5x",
    met: yes(ratio <= 1.5),
  });
}

// 3. Batch enqueue.
const batchFile = join(scratch, "batch.jsonl");
await Deno.writeTextFile(
  batchFile,
  Array.from({ length: BATCH }, (_, i) => `{"command":"echo ${i}"}`).join("\n") + "\n",
);
async function batchEnqueue(home: string, storeArgs: string[] = []): Promise<Batch> {
  const r = await must(q(home, ...storeArgs, "enqueue", "--file", batchFile), "batch enqueue");
  return { rate: (BATCH / r.ms) * 1000, ms: r.ms };
}
const journalBatch = await batchEnqueue(join(scratch, "batch"));
row({
  figure: `batch enqueue, ${BATCH} jobs via --file`,
  value: `${journalBatch.rate.toFixed(0)} jobs/s`,
  baseline: `${journalBatch.ms.toFixed(0)} ms in all`,
  ratio: "-",
  target: ">= 100000/s",
  met: yes(journalBatch.rate >= 100_000),
});

// 4. Scale: status and list with a big history and many pending jobs, before and after compaction.
const gnuTime = await which("/usr/bin/time");
if (!gnuTime) console.log("(no /usr/bin/time: peak RSS is not measured; apt-get install time)");

async function timed(home: string, ...args: string[]): Promise<{ ms: number; rssMiB: number }> {
  if (!gnuTime) {
    const r = await must(run(QUEUECTL, ["--home", home, ...args], env), args.join(" "));
    return { ms: r.ms, rssMiB: NaN };
  }
  const r = await must(
    run("/usr/bin/time", ["-f", "%M", QUEUECTL, "--home", home, ...args], env),
    args.join(" "),
  );
  const rssKiB = Number(r.stderr.trim().split("\n").at(-1));
  return { ms: r.ms, rssMiB: rssKiB / 1024 };
}
{
  const home = join(scratch, "scale");
  await writeSyntheticJournal(home, { historical: HISTORY, pending: PENDING });
  const size = (await Deno.stat(join(home, "journal.jsonl"))).size;
  for (const phase of ["before compaction", "after compaction"]) {
    if (phase === "after compaction") await must(q(home, "compact"), "compact");
    const bytes = (await Deno.stat(join(home, "journal.jsonl"))).size;
    const label = `${PENDING} pending, ${phase} (${(bytes / 2 ** 20).toFixed(0)} MiB journal)`;
    const compacted = phase === "after compaction";
    const status = await timed(home, "status");
    row({
      figure: `status, ${label}`,
      value: `${status.ms.toFixed(0)} ms`,
      baseline: `peak RSS ${status.rssMiB.toFixed(0)} MiB`,
      ratio: "-",
      target: compacted ? "<= 150 ms" : "-",
      met: compacted ? yes(status.ms <= 150) : "",
    });
    for (
      const args of [["list", "--state", "pending", "--limit", "20"], ["list", "--limit", "20"]]
    ) {
      const list = await timed(home, ...args);
      row({
        figure: `${args.join(" ")}, ${phase}`,
        value: `${list.ms.toFixed(0)} ms`,
        baseline: `peak RSS ${list.rssMiB.toFixed(0)} MiB`,
        ratio: "-",
        target: compacted ? "<= 150 ms" : "-",
        met: compacted ? yes(list.ms <= 150) : "",
      });
    }
  }
  // A worker's memory on that queue (its jobs are `echo`, it runs a few before being measured).
  await must(q(home, "worker", "start"), "worker start");
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const workers = JSON.parse((await must(q(home, "status", "--json"), "status")).stdout).workers;
  const pid = workers.find((w: { status: string }) => w.status === "running")?.pid;
  const status = await sh(`grep VmRSS /proc/${pid}/status | tr -s ' ' | cut -d' ' -f2`);
  const rss = status.stdout.trim();
  await must(q(home, "worker", "stop", "--now"), "worker stop");
  row({
    figure: `worker RSS with ${PENDING} pending jobs`,
    value: `${(Number(rss) / 1024).toFixed(0)} MiB`,
    baseline: `journal was ${(size / 2 ** 20).toFixed(0)} MiB`,
    ratio: "-",
    target: "-",
    met: "",
  });
}

// 5. Pickup latency: an idle worker, one job at a time; enqueue acknowledged -> job's first instruction.
async function pickupLatency(home: string, storeArgs: string[] = []): Promise<Pickup> {
  const qq = (...args: string[]) => q(home, ...storeArgs, ...args);
  await must(qq("worker", "start"), "worker start");
  try {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const samples: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const mark = `${home}.pickup-${i}`;
      const enqueued = await must(
        qq("enqueue", JSON.stringify({ command: `date +%s%N > ${mark}` })),
        "enqueue",
      );
      const id = enqueued.stdout.trim();
      await must(qq("wait", id, "--timeout", "30"), "wait");
      const startedMs = Number(BigInt((await Deno.readTextFile(mark)).trim()) / 1000n) / 1000;
      const job = JSON.parse((await must(qq("show", id, "--json"), "show")).stdout);
      samples.push(startedMs - Date.parse(job.created_at));
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
    }
    return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
  } finally {
    await must(qq("worker", "stop"), "worker stop");
  }
}
const journalPickup = await pickupLatency(join(scratch, "pickup"));
row({
  figure: `pickup latency, idle worker (${SAMPLES} jobs)`,
  value: `p50 ${journalPickup.p50.toFixed(0)} ms`,
  baseline: `p95 ${journalPickup.p95.toFixed(0)} ms`,
  ratio: "-",
  target: "p50 <= 50 ms",
  met: yes(journalPickup.p50 <= 50),
});

// 5b. The PostgreSQL store beside the journal (its own database per figure), and graphile-worker.
const pgServer = await findServer();
const storeCounts = { jobs: JOBS, batch: BATCH, samples: SAMPLES };
await storeBench(pgServer, {
  ...storeCounts,
  scratch,
  deadlineMs: quick ? 120_000 : 600_000,
  batchEnqueue,
  pickupLatency,
  journal: { batch: journalBatch, pickup: journalPickup },
  onRow: row,
});

// 6. The dashboard at 100,000 jobs: each page and /metrics, rendered anew; open pages' cost.
await dashboardBench({
  queuectl: [QUEUECTL],
  env,
  scratch,
  jobs: PENDING,
  samples: SAMPLES === 30 ? 20 : SAMPLES,
  throughputJobs: quick ? 300 : 2000,
  onRow: row,
});

await Deno.remove(scratch, { recursive: true }).catch(() => {});

// The report.
const machine = await sh(
  `echo "$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), ` +
    `$(free -g | awk '/Mem:/ {print $2}') GiB RAM, Linux $(uname -r), $(df -T /tmp | awk 'NR==2 {print $2}') /tmp"`,
);
const denoVersion = (await run(Deno.execPath(), ["--version"])).stdout.split("\n")[0];
const table = [
  "| figure | queuectl | baseline (same run) | ratio | target | met |",
  "|---|---|---|---|---|---|",
  ...rows.map((r) =>
    `| ${r.figure} | ${r.value} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.met} |`
  ),
].join("\n");
const report = `# Benchmarks

Written by \`deno task bench\`${
  quick ? " --quick (small counts: not comparable with the targets)" : ""
} on ${new Date().toISOString()}.

- Machine: ${machine.stdout.trim()}
- Runtime: ${denoVersion}
- queuectl: the installed command (\`deno task install\`), default settings (\`fsync=always\`).
- Database (PostgreSQL rows): ${pgServer?.description ?? "none reachable (its rows are skipped)"}.

${table}

## What each figure is

- **end to end**: workers started first and idle; timed from submitting ${E2E_JOBS} jobs of \`true\`
  (one \`queuectl enqueue --file\`) until \`queuectl wait\` returns. Baselines in the same run, with
  as many jobs at once as the shape runs (2, or 8 for 8 slots): \`seq ${E2E_JOBS} | xargs -P N -n 1 sh -c
  true\`, and task-spooler (\`tsp -S N\`, ${E2E_JOBS} \`tsp -n true\`, \`tsp -w\`; installed by the bench
  when missing). Shapes: P worker processes x N slots (\`worker start --count P --concurrency N\`).
- **worker RSS per busy job slot**: 8 jobs of \`sleep 30\` running, in one worker with 8 slots, then
  in 8 workers of one slot; the workers' VmRSS summed, divided by 8 (the jobs' own processes are
  not counted: they are the same either way).
- **idle worker CPU**: one worker on an empty queue, its utime+stime over 10 s (\`/proc/<pid>/stat\`).
- **throughput**: ${JOBS} jobs of \`true\` enqueued first (not timed); timed from \`queuectl worker start
  --count N\` to \`queuectl wait\` returning. Baseline: \`seq ${JOBS} | xargs -P N -n 1 sh -c true\`, the
  cost of starting the processes and nothing else. task-spooler: \`tsp -S N\`, then ${JOBS} \`tsp -n
  true\` and \`tsp -w\` (its client is the enqueue, so enqueueing is inside its time). GNU parallel:
  \`seq ${JOBS} | parallel -j N true\`.
- **bound**: the same ${JOBS} \`sh -c true\` started by two Deno processes, each waiting for one
  at a time, with no queue at all: in a new session (\`detached: true\`, which every queuectl job
  needs for its process group) and, for comparison, without. It is the ceiling for queuectl's
  throughput on this machine.
- **enqueue latency**: wall time of \`queuectl enqueue '{"command":"true"}'\` through the installed
  command, median of ${SAMPLES}; baseline: \`deno run\` of an empty file, the runtime's start.
- **batch enqueue**: \`queuectl enqueue --file\` of ${BATCH} jobs, wall time of the command.
- **scale**: a journal of ${HISTORY} historical records (finished jobs dated 30 days ago) plus ${PENDING}
  pending jobs; \`queuectl status\` and \`queuectl list --state pending --limit 20\`, wall time and peak RSS
  (\`/usr/bin/time -f %M\`), then the same after \`queuectl compact\`; and one worker's RSS on it.
- **pickup latency**: one idle worker; a job \`date +%s%N > file\` is enqueued; the figure is the time
  from the enqueue (its \`created_at\`) to the job's first instruction. ${SAMPLES} jobs, one at a time.
${storeBenchNotes(storeCounts, pgServer).trimEnd()}
- **dashboard**: \`queuectl dashboard\` on a queue of ${PENDING} jobs (60 % completed in the last quarter
  hour, 40 % pending); each page, \`/metrics\` and two \`/api\` answers asked ${
  SAMPLES === 30 ? 20 : SAMPLES
}
  times after two warm-ups, each request with a query the page ignores so that none comes from the
  page cache: wall time of the request from the bench process, p50 and p95. Then 20 pages left open
  (each following \`/events\` and fetching the overview again on every change, as the page's script
  does) on the idle queue for 5 s: the dashboard's CPU time (\`/proc/<pid>/stat\`). Then throughput
  as above (2 workers, ${
  quick ? 300 : 2000
} jobs of \`true\`) with no dashboard, with a dashboard and no page,
  and with 20 live pages, alternated, twice each (the means), with the dashboard's own CPU time; the
  simulated pages run in the bench process, on the same two cores.
`;
console.log();
if (write) {
  const out = join(PROJECT, "docs", "benchmarks.md");
  await Deno.writeTextFile(out, report);
  await run(Deno.execPath(), ["fmt", "--quiet", out]); // keep `deno task ok` clean
  console.log("wrote docs/benchmarks.md");
}

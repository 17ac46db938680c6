// deno-lint-ignore-file no-console
/**
 * `deno task chaos`: enqueuers and workers as real processes, SIGKILLed at random instants (also
 * during compactions, forced by a tiny threshold) and restarted, while jobs depending on other
 * jobs form chains and a canceller cancels jobs (waiting, pending, running); then a full drain and
 * checks of every promise the queue makes (scripts/chaos_checks.ts). Seeded and bounded in time.
 *
 * Usage: deno task chaos [--seed N] [--jobs N] [--enqueuers M] [--workers N] [--kills K]
 *                        [--chaos-seconds S] [--minutes T] [--fail-every N] [--keep]
 *                        [--stall-timeout S] [--far-future N] [--compact-every MS]
 *                        [--cancels N] [--long-every N] [--dependencies SHARE]
 * @module
 */

import { join } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { diagnoseHome } from "../src/queue/doctor.ts";
import { isTerminal, type Job, JournalQueueStore } from "../src/queue/mod.ts";
import { PERMISSION_FLAGS } from "../src/permissions.ts";
import { Canceller } from "./chaos_cancels.ts";
import { type ChaosCounts, checkChaos, parseEffects } from "./chaos_checks.ts";
import { workloadBatch, type WorkloadJob, type WorkloadOptions } from "./chaos_workload.ts";

/** Settings of one chaos run. */
export interface ChaosOptions {
  seed: number;
  jobs: number;
  enqueuers: number;
  workers: number;
  /** Kills to aim for during the chaos phase. */
  kills: number;
  /** Length of the chaos phase; enqueueing is spread over it. */
  chaosSeconds: number;
  /** Longest the whole run may take. */
  maxMinutes: number;
  /** Every n-th job fails by design (goes dead after 2 runs). */
  failEvery: number;
  /** Print progress lines. */
  verbose: boolean;
  /** Keep the temp home afterwards. */
  keep: boolean;
  /** The `stall_timeout` setting (seconds). */
  stallTimeout?: number;
  /** Jobs due in a year added before the chaos: a big journal that every compaction rewrites. */
  farFuture?: number;
  /** Run `queuectl compact` this often during the chaos (0: only automatic compactions). */
  compactEveryMs?: number;
  /** Random cancels during the chaos (default: one per 25 jobs; 0: none). */
  cancels?: number;
  /** Every n-th job runs until canceled, and is canceled once seen running (default 50; 0: none). */
  longEvery?: number;
  /** Share of jobs given dependencies, 0 to 1 (default 0.3; 0: none). */
  dependencies?: number;
}

/** What a chaos run found. */
export interface ChaosSummary {
  seed: number;
  jobs: number;
  acknowledged: number;
  completed: number;
  dead: number;
  canceled: number;
  dependencies: ChaosCounts["dependencies"];
  cancels: ChaosCounts["cancels"];
  kills: { workers: number; enqueuers: number; duringCompaction: number };
  lostWorkersRecovered: number;
  repeatedRuns: ChaosCounts["repeatedRuns"];
  /** Runs that started while another run of the same job still held its lock. */
  overlaps: number;
  journalRecords: number;
  compactions: number;
  seconds: number;
  /** Broken promises; empty when the queue kept them all. */
  violations: string[];
}

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));
const ENQUEUER = fileURLToPath(new URL("./chaos_enqueuer.ts", import.meta.url));
const BATCH_SIZE = 10;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Running {
  kind: "worker" | "enqueuer";
  name: string;
  child: Deno.ChildProcess;
  done: Promise<Deno.CommandStatus>;
  killed: boolean;
}

/**
 * Runs chaos and checks the result. Requires `--allow-read`, `--allow-write`, `--allow-run`,
 * `--allow-env`, `--allow-sys=hostname`.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosSummary> {
  const started = Date.now();
  const deadline = started + options.maxMinutes * 60_000;
  const random = mulberry32(options.seed);
  const home = await Deno.makeTempDir({ prefix: "queuectl-chaos-" });
  const effects = join(home, "effects.txt");
  const log = (text: string) =>
    options.verbose && console.log(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${text}`);
  const summary: ChaosSummary = {
    seed: options.seed,
    jobs: 0,
    acknowledged: 0,
    completed: 0,
    dead: 0,
    canceled: 0,
    dependencies: { jobs: 0, refusedAtEnqueue: 0, canceledByDependency: 0, ran: 0 },
    cancels: {
      requested: 0,
      viaCli: 0,
      canceledAtOnce: 0,
      cascaded: 0,
      whileRunning: 0,
      longWhileRunning: 0,
      completedAnyway: 0,
      byRecovery: 0,
      refused: 0,
      killMs: { p50: 0, max: 0 },
    },
    kills: { workers: 0, enqueuers: 0, duringCompaction: 0 },
    lostWorkersRecovered: 0,
    repeatedRuns: { byKilledWorker: 0, byDesignFailure: 0 },
    overlaps: 0,
    journalRecords: 0,
    compactions: 0,
    seconds: 0,
    violations: [],
  };
  const workloadOptions: WorkloadOptions = {
    seed: options.seed,
    batchSize: BATCH_SIZE,
    failEvery: options.failEvery,
    longEvery: options.longEvery ?? 50,
    dependencies: options.dependencies ?? 0.3,
  };
  const randomCancels = options.cancels ?? Math.round(options.jobs / 25);
  const setup = await JournalQueueStore.open(home);
  await setup.setConfig("compact_threshold", 4096);
  await setup.setConfig("backoff_base", 1);
  await setup.setConfig("backoff_max", 0.05);
  await setup.setConfig("stall_timeout", options.stallTimeout ?? 10);
  const farFuture = options.farFuture ?? 0;
  if (farFuture > 0) {
    const runAt = new Date(Date.now() + 365 * 86400_000).toISOString();
    for (let done = 0; done < farFuture; done += 10_000) {
      const n = Math.min(10_000, farFuture - done);
      await setup.enqueue(
        Array.from({ length: n }, (_, i) => ({
          id: `far-${done + i}`,
          command: "true",
          run_at: runAt,
        })),
        { cwd: "/" },
      );
    }
  }
  await setup.close();
  await Deno.mkdir(`${effects}.locks`);

  const batchesPerEnqueuer = Math.ceil(options.jobs / options.enqueuers / BATCH_SIZE);
  const pauseMs = Math.round((options.chaosSeconds * 1000 * 0.8) / batchesPerEnqueuer);
  const acked = new Set<string>();
  const refused = new Map<string, string>();
  const nextBatch = new Array<number>(options.enqueuers).fill(0);
  const running = new Set<Running>();
  const killedWorkers = new Set<string>();
  let workerSerial = 0;

  const spawnWorker = () => {
    const id = `w-chaos-${++workerSerial}`;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--no-prompt",
        ...PERMISSION_FLAGS,
        `--config=${CONFIG}`,
        MAIN,
        "worker",
        "run",
        "--home",
        home,
        "--id",
        id,
        "--log-file",
        join(home, `${id}.log`),
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
      detached: true,
    }).spawn();
    const entry: Running = { kind: "worker", name: id, child, done: child.status, killed: false };
    running.add(entry);
    entry.done.then(() => running.delete(entry));
  };

  const spawnEnqueuer = (index: number) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--no-prompt",
        ...PERMISSION_FLAGS,
        `--config=${CONFIG}`,
        ENQUEUER,
        home,
        String(index),
        String(nextBatch[index]),
        String(batchesPerEnqueuer),
        effects,
        String(pauseMs),
        JSON.stringify(workloadOptions),
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
      detached: true,
    }).spawn();
    const entry: Running = {
      kind: "enqueuer",
      name: `enqueuer-${index}`,
      child,
      done: child.status,
      killed: false,
    };
    running.add(entry);
    // One JSON line per acknowledged batch; a line cut by a kill has no newline and is ignored.
    const reading = (async () => {
      let carry = "";
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
        carry += chunk;
        let newline: number;
        while ((newline = carry.indexOf("\n")) >= 0) {
          const line = JSON.parse(carry.slice(0, newline)) as {
            batch: number;
            acked: string[];
            refused: Record<string, string>;
          };
          carry = carry.slice(newline + 1);
          for (const id of line.acked) acked.add(id);
          for (const [id, reason] of Object.entries(line.refused)) refused.set(id, reason);
          nextBatch[index] = Math.max(nextBatch[index]!, line.batch + 1);
        }
      }
    })();
    entry.done = Promise.all([child.status, reading]).then(([status]) => status);
    entry.done.then(() => running.delete(entry));
  };

  const workload: WorkloadJob[] = [];
  for (let e = 0; e < options.enqueuers; e++) {
    for (let b = 0; b < batchesPerEnqueuer; b++) {
      workload.push(...workloadBatch(workloadOptions, e, b));
    }
  }
  const longJobs = new Set(workload.filter((job) => job.long).map((job) => job.id));
  summary.jobs = workload.length;
  for (let w = 0; w < options.workers; w++) spawnWorker();
  for (let e = 0; e < options.enqueuers; e++) spawnEnqueuer(e);

  // Chaos: kill a random process every so often and restart it. Every fifth time, wait for a
  // compaction's temp file and kill every writer at once, so that one dies mid-compaction.
  let lastIno = 0;
  const inodeWatch = setInterval(async () => {
    const ino = (await Deno.stat(join(home, "journal.jsonl")).catch(() => null))?.ino ?? 0;
    if (lastIno !== 0 && ino !== lastIno) summary.compactions++;
    lastIno = ino;
  }, 20);
  const chaosEnds = started + options.chaosSeconds * 1000;
  const compactEveryMs = options.compactEveryMs ?? 0;
  const compactLoop = (async () => {
    while (compactEveryMs > 0 && Date.now() < chaosEnds) {
      await runQueuectl(home, ["compact"]);
      await sleep(compactEveryMs);
    }
  })();
  // Cancels, from this process (never killed, so every acknowledgement is seen): random ones
  // spread over the chaos (late ones, when the queue is slow, go on into the drain), and every
  // long job once it runs, until the drain is over.
  const cancelStore = await JournalQueueStore.open(home);
  const canceller = new Canceller(
    cancelStore,
    (args) => runQueuectl(home, args),
    mulberry32(options.seed ^ 0x5bd1e995),
  );
  let drained = false;
  const cancelLoop = (async () => {
    const gapMs = (options.chaosSeconds * 900) / Math.max(1, randomCancels);
    let nextRandom = started + gapMs / 2;
    let done = 0;
    while (!drained && Date.now() < deadline) {
      if (done < randomCancels && Date.now() >= nextRandom) {
        await canceller.cancelRandomJob(acked, (id) => longJobs.has(id));
        done++;
        nextRandom += gapMs;
      }
      if (longJobs.size > 0) await canceller.cancelRunningLongJobs((id) => longJobs.has(id));
      await sleep(100);
    }
  })();
  const killGap = Math.max(50, (options.chaosSeconds * 1000) / Math.max(1, options.kills));
  const kill = async (victim: Running) => {
    try {
      Deno.kill(victim.child.pid, "SIGKILL");
    } catch {
      return false; // it had just finished
    }
    victim.killed = true;
    if (victim.kind === "worker") {
      summary.kills.workers++;
      killedWorkers.add(victim.name);
      spawnWorker();
    } else {
      summary.kills.enqueuers++;
      const index = Number(victim.name.split("-")[1]);
      await victim.done;
      spawnEnqueuer(index);
    }
    return true;
  };
  const compacting = async () =>
    (await Array.fromAsync(Deno.readDir(home))).some((e) => e.name.endsWith(".tmp"));
  let events = 0;
  while (
    Date.now() < chaosEnds && summary.kills.workers + summary.kills.enqueuers < options.kills
  ) {
    await sleep(killGap * (0.5 + random()));
    const candidates = [...running].filter((r) => !r.killed);
    if (candidates.length === 0) continue;
    if (++events % 5 === 0) {
      const waitUntil = Date.now() + 3000;
      while (!(await compacting()) && Date.now() < waitUntil) { /* poll */ }
      const during = await compacting();
      const victims = [...running].filter((r) => !r.killed);
      let n = 0;
      for (const victim of victims) if (await kill(victim)) n++;
      if (during) summary.kills.duringCompaction += n;
      log(`killed all ${n} writers${during ? " during a compaction" : ""}`);
      continue;
    }
    const victim = candidates[Math.floor(random() * candidates.length)]!;
    const during = await compacting();
    if (!(await kill(victim))) continue;
    if (during) summary.kills.duringCompaction++;
    log(`killed ${victim.name}${during ? " (compaction in progress)" : ""}`);
  }
  clearInterval(inodeWatch);
  await compactLoop;

  // Drain: enqueuers run to completion (restarted if they died), workers finish everything.
  for (;;) {
    const enqueuers = [...running].filter((r) => r.kind === "enqueuer");
    if (enqueuers.length === 0) {
      if (nextBatch.every((b) => b >= batchesPerEnqueuer)) break;
      nextBatch.forEach((b, i) => b < batchesPerEnqueuer && spawnEnqueuer(i));
    }
    if (Date.now() > deadline) {
      summary.violations.push("enqueuers did not finish before the deadline");
      for (const r of enqueuers) Deno.kill(r.child.pid, "SIGKILL");
      break;
    }
    await Promise.race([Promise.all(enqueuers.map((r) => r.done)), sleep(1000)]);
  }
  log(`all ${acked.size} jobs acknowledged, ${refused.size} refused; draining`);
  const v = summary.violations;
  const store = await JournalQueueStore.open(home);
  let jobs: Job[] = [];
  for (;;) {
    jobs = await store.listJobs();
    const open = jobs.filter((j) => !isTerminal(j.state) && !j.id.startsWith("far-"));
    if (open.length === 0) break;
    if (Date.now() > deadline) {
      summary.violations.push(`${open.length} job(s) still unfinished at the deadline`);
      break;
    }
    await sleep(200);
  }
  drained = true;
  await cancelLoop;
  await cancelStore.close();
  // Stop the workers as a user would: `worker stop` also marks killed, unnoticed ones lost. A
  // replacement worker still starting up is not registered yet and misses the stop: ask again.
  for (let round = 1; running.size > 0; round++) {
    const stop = await runQueuectl(home, ["worker", "stop", "--timeout", "60"]);
    if (!stop.success) {
      v.push(`worker stop failed: ${new TextDecoder().decode(stop.stderr).trim()}`);
    }
    const exited = Promise.all([...running].map((r) => r.done));
    if (await Promise.race([exited.then(() => true), sleep(3000).then(() => false)])) break;
    if (round === 5) {
      v.push(`${running.size} worker process(es) still alive after ${round} stops`);
      for (const r of running) Deno.kill(r.child.pid, "SIGKILL");
      await exited;
    }
  }
  const workers = await store.listWorkers();
  jobs = await store.listJobs();
  await store.close();

  // The checks.
  summary.acknowledged = acked.size;
  for (const job of jobs) {
    if (job.id.startsWith("far-") && (job.state !== "pending" || job.attempts !== 0)) {
      v.push(`job ${job.id} ran before its time`);
    }
  }
  const effectsFile = parseEffects(await Deno.readTextFile(effects).catch(() => ""));
  summary.overlaps = effectsFile.overlaps.length;
  const { violations, counts } = checkChaos({
    workload,
    jobs: new Map(jobs.filter((j) => !j.id.startsWith("far-")).map((j) => [j.id, j])),
    acked,
    refused,
    cancels: canceller.events,
    effects: effectsFile,
    killedWorkers,
  });
  v.push(...violations);
  Object.assign(summary, counts);
  summary.lostWorkersRecovered = workers.filter((w) => w.status === "lost").length;
  for (const w of workers) {
    if (w.status === "running" || w.status === "stopping") {
      v.push(`worker ${w.id} still ${w.status}`);
    }
  }
  const doctor = await diagnoseHome(home);
  summary.journalRecords = doctor.records;
  for (const problem of doctor.problems) v.push(`doctor: ${problem}`);
  summary.seconds = Math.round((Date.now() - started) / 100) / 10;
  if (options.keep || v.length > 0) {
    await Deno.writeTextFile(join(home, "cancels.json"), JSON.stringify(canceller.events, null, 1));
    log(`home kept at ${home}`);
  } else await Deno.remove(home, { recursive: true });
  return summary;
}

/** Runs `queuectl --home <home> <args>` as a user would, and waits for it. */
function runQueuectl(home: string, args: string[]): Promise<Deno.CommandOutput> {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      ...PERMISSION_FLAGS,
      `--config=${CONFIG}`,
      MAIN,
      "--home",
      home,
      ...args,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      seed: { type: "string", default: "1" },
      jobs: { type: "string", default: "1000" },
      enqueuers: { type: "string", default: "3" },
      workers: { type: "string", default: "4" },
      kills: { type: "string", default: "20" },
      "chaos-seconds": { type: "string" },
      minutes: { type: "string", default: "10" },
      "fail-every": { type: "string", default: "25" },
      keep: { type: "boolean", default: false },
      "stall-timeout": { type: "string", default: "10" },
      "far-future": { type: "string", default: "0" },
      "compact-every": { type: "string", default: "0" },
      cancels: { type: "string" },
      "long-every": { type: "string", default: "50" },
      dependencies: { type: "string", default: "0.3" },
    },
  });
  const summary = await runChaos({
    seed: Number(values.seed),
    jobs: Number(values.jobs),
    enqueuers: Number(values.enqueuers),
    workers: Number(values.workers),
    kills: Number(values.kills),
    chaosSeconds: Number(values["chaos-seconds"] ?? Math.max(5, Number(values.kills) * 0.6)),
    maxMinutes: Number(values.minutes),
    failEvery: Number(values["fail-every"]),
    verbose: true,
    keep: values.keep,
    stallTimeout: Number(values["stall-timeout"]),
    farFuture: Number(values["far-future"]),
    compactEveryMs: Number(values["compact-every"]),
    ...(values.cancels === undefined ? {} : { cancels: Number(values.cancels) }),
    longEvery: Number(values["long-every"]),
    dependencies: Number(values.dependencies),
  });
  console.log(JSON.stringify(summary, null, 2));
  Deno.exit(summary.violations.length === 0 ? 0 : 1);
}

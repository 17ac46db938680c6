/**
 * Test helper: many machines simulated on this one. Each machine is a queue home of its own and a
 * host name (`QUEUECTL_HOSTNAME`); all share one PostgreSQL store. Jobs record each run's start
 * and end in one shared file, and the clean-up continues and kills every process a test started,
 * even when the test fails.
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "npm:postgres@3.4.9";
import { PERMISSION_FLAGS } from "../../src/permissions.ts";
import { readProcFile } from "../../src/platform/proc_files.ts";
import { type CliResult, type JobJson, queuectl } from "../cli/_cli.ts";
import { withDatabase } from "../_postgres.ts";
import { waitFor, withTempHome } from "../_temp_home.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));

/** One simulated machine: its queue home and host name. */
export interface Machine {
  name: string;
  home: string;
  env: Record<string, string>;
}

/** A worker as `worker start --json` prints it. */
export interface StartedWorker {
  id: string;
  pid: number;
  log: string;
}

/** A worker as `status --json` prints it, with its host. */
export interface WorkerStatus {
  id: string;
  pid: number;
  host: string;
  status: string;
  heartbeat: string;
  job: string | null;
}

/** One run of a job as the job itself recorded it in the shared file. */
export interface RecordedRun {
  job: string;
  run: number;
  host: string;
  /** The job's shell: its process group and session. */
  pgid: number;
  startNs: bigint;
  /** `undefined` when the run never got to its end (killed, or still running). */
  endNs?: bigint;
}

/**
 * A job command that records its run in `$RUNS_FILE` (give it in the job's `env`):
 * `<job> start <run> <host> <pgid> <ns>` before `body`, the same with `end` after it.
 * @param body Shell commands, the job's work.
 * @returns The command.
 */
export function recordedCommand(body: string): string {
  const line = (what: string) =>
    `echo "$QUEUECTL_JOB_ID ${what} $QUEUECTL_RUN $QUEUECTL_HOSTNAME $$ $(date +%s%N)" >> "$RUNS_FILE"`;
  return `${line("start")}; ${body}; ${line("end")}`;
}

/**
 * A job body that sleeps (for a minute: until killed) on one machine only, and is done at once
 * elsewhere: the run on `host` is caught in the middle.
 * @param host The machine it hangs on.
 * @returns Shell commands.
 */
export function hangOn(host: string): string {
  return `if [ "$QUEUECTL_HOSTNAME" = "${host}" ]; then sleep 60; fi`;
}

/**
 * Whether a process is gone (no such pid, or a zombie). Requires `--allow-run`.
 * @param pid The process id.
 * @returns `true` once it is gone.
 */
export async function processGone(pid: number): Promise<boolean> {
  try {
    Deno.kill(pid, 0 as unknown as Deno.Signal);
  } catch {
    return true;
  }
  const stat = await readProcFile(`/proc/${pid}/stat`);
  if (stat === undefined) return true;
  const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  return state === "Z" || state === "X";
}

/**
 * Whether a process is stopped (`T`: SIGSTOP). Requires `--allow-run`.
 * @param pid The process id.
 * @returns `true` while it is stopped.
 */
export async function processStopped(pid: number): Promise<boolean> {
  const stat = await readProcFile(`/proc/${pid}/stat`);
  return stat?.slice(stat.lastIndexOf(")") + 2).split(" ")[0] === "T";
}

/**
 * Waits until `condition` holds, or fails after `timeoutMs`.
 * @param what Description for the failure message.
 * @param condition The condition.
 * @param timeoutMs Deadline.
 */
export async function waitUntil(
  what: string,
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
): Promise<void> {
  await waitFor(what, async () => (await condition()) ? true : undefined, timeoutMs);
}

/** Sends `signal` to a process group, ignoring one that is gone. */
export function signalGroup(pgid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(-pgid, signal);
  } catch {
    // Gone already.
  }
}

/** Sends `signal` to one process, ignoring one that is gone. */
export function signalProcess(pid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(pid, signal);
  } catch {
    // Gone already.
  }
}

/** Machines sharing one database, the shared runs file, and every process they started. */
export class Cluster {
  readonly url: string;
  readonly runsFile: string;
  #dir: string;
  #machines: Machine[] = [];
  /** Worker process groups (`worker start` puts each worker in a session of its own). */
  #workerGroups = new Set<number>();

  constructor(url: string, dir: string) {
    this.url = url;
    this.#dir = dir;
    this.runsFile = join(dir, "runs.txt");
  }

  /**
   * A new machine: a queue home of its own, with `QUEUECTL_HOSTNAME=name` and the shared store.
   * @param name Its host name.
   * @param homeName Its queue home's folder name (another home on the same host: a new one).
   * @returns The machine.
   */
  async machine(name: string, homeName = name): Promise<Machine> {
    const home = join(this.#dir, homeName);
    await Deno.mkdir(home, { mode: 0o700 });
    const machine = {
      name,
      home,
      env: { QUEUECTL_STORE: this.url, QUEUECTL_HOSTNAME: name },
    };
    this.#machines.push(machine);
    return machine;
  }

  /** Runs queuectl on a machine. */
  cli(machine: Machine, args: string[], stdin?: string): Promise<CliResult> {
    return queuectl(machine.home, args, {
      env: machine.env,
      ...(stdin === undefined ? {} : { stdin }),
    });
  }

  /**
   * Runs queuectl on a machine, sending it SIGTERM if it has not ended within `timeoutMs`.
   * @returns Exit code and output, and whether it was ended by the deadline.
   */
  async cliWithin(
    machine: Machine,
    args: string[],
    timeoutMs: number,
  ): Promise<CliResult & { timedOut: boolean }> {
    const deadline = AbortSignal.timeout(timeoutMs);
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--no-prompt", ...PERMISSION_FLAGS, `--config=${CONFIG}`, MAIN]
        .concat(["--home", machine.home, ...args]),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", ...machine.env },
      signal: deadline,
    }).output();
    const text = new TextDecoder();
    return {
      code,
      stdout: text.decode(stdout),
      stderr: text.decode(stderr),
      timedOut: deadline.aborted,
    };
  }

  /**
   * Stops (SIGSTOP) processes and process groups at a moment when no session of the database is
   * inside a transaction: a worker stopped between a statement and its COMMIT would hold its row
   * locks, which stalls other workers' recovery (a bug of its own, tested on its own). Until
   * then, it continues them and tries again.
   * @param pids Processes (workers).
   * @param groups Process groups (jobs).
   */
  async freeze(pids: number[], groups: number[] = []): Promise<void> {
    const sql = postgres(this.url, { max: 1, onnotice: () => {} });
    const signal = (name: Deno.Signal) => {
      for (const pid of pids) signalProcess(pid, name);
      for (const group of groups) signalGroup(group, name);
    };
    try {
      for (let tries = 1;; tries++) {
        signal("SIGSTOP");
        await waitUntil("the processes to be stopped", async () => {
          const stopped = await Promise.all([...pids, ...groups].map(processStopped));
          return stopped.every(Boolean);
        });
        // Let what a process sent just before it stopped reach the server.
        await new Promise((resolve) => setTimeout(resolve, 50));
        const [row] = await sql`
          SELECT count(*)::int AS busy FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`;
        if (row?.busy === 0) return;
        if (tries === 50) throw new Error("Cannot stop the processes outside a transaction");
        signal("SIGCONT");
        await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
      }
    } finally {
      await sql.end({ timeout: 1 });
    }
  }

  /** Runs queuectl on a machine and fails unless it exits 0; returns its stdout. */
  async ok(machine: Machine, args: string[], stdin?: string): Promise<string> {
    const result = await this.cli(machine, args, stdin);
    if (result.code !== 0) {
      throw new Error(
        `queuectl ${args.join(" ")} on ${machine.name} exited ${result.code}: ${result.stderr}`,
      );
    }
    return result.stdout;
  }

  /** Runs queuectl with `--json` on a machine and parses what it prints. */
  async json<T>(machine: Machine, args: string[]): Promise<T> {
    return JSON.parse(await this.ok(machine, [...args, "--json"])) as T;
  }

  /**
   * Enqueues jobs (one JSON object each) from a machine, each recording its runs in the shared
   * file.
   * @returns Their ids.
   */
  async enqueue(machine: Machine, jobs: Record<string, unknown>[]): Promise<string[]> {
    const lines = jobs.map((job) =>
      JSON.stringify({ ...job, env: { RUNS_FILE: this.runsFile, ...(job.env ?? {}) } })
    );
    const out = await this.ok(machine, ["enqueue", "--file", "-"], lines.join("\n") + "\n");
    return out.split("\n").filter((line) => line.length > 0);
  }

  /**
   * Starts detached workers on a machine (`worker start --count N`), remembered for clean-up.
   * @returns The workers.
   */
  async startWorkers(machine: Machine, count: number): Promise<StartedWorker[]> {
    const result = await this.cli(machine, ["worker", "start", "--count", String(count), "--json"]);
    // Whatever happened, the workers it printed are ours to clean up.
    const workers = result.code === 0 ? JSON.parse(result.stdout) as StartedWorker[] : [];
    for (const worker of workers) this.#workerGroups.add(worker.pid);
    if (result.code !== 0) {
      throw new Error(`worker start on ${machine.name} exited ${result.code}: ${result.stderr}`);
    }
    return workers;
  }

  /** Every worker as `status --json` on `machine` shows it. */
  async workers(machine: Machine): Promise<WorkerStatus[]> {
    return (await this.json<{ workers: WorkerStatus[] }>(machine, ["status"])).workers;
  }

  /** A job as `show --json` on `machine` shows it. */
  show(machine: Machine, id: string): Promise<JobJson> {
    return this.json<JobJson>(machine, ["show", id]);
  }

  /**
   * Waits until a job satisfies `predicate`.
   * @returns The job.
   */
  waitForJob(
    machine: Machine,
    id: string,
    predicate: (job: JobJson) => boolean,
    what: string,
    timeoutMs = 15_000,
  ): Promise<JobJson> {
    return waitFor(what, async () => {
      const job = await this.show(machine, id);
      return predicate(job) ? job : undefined;
    }, timeoutMs);
  }

  /** The runs the jobs recorded so far, in order of their start. */
  async runs(): Promise<RecordedRun[]> {
    let text = "";
    try {
      text = await Deno.readTextFile(this.runsFile);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    const runs = new Map<string, RecordedRun>();
    for (const line of text.split("\n")) {
      if (line === "") continue;
      const [job, what, run, host, pgid, ns, ...rest] = line.split(" ");
      assert.equal(rest.length, 0, `a run line has 6 fields: "${line}"`);
      const key = `${job} ${run}`;
      if (what === "start") {
        assert.ok(!runs.has(key), `run ${run} of ${job} started once`);
        runs.set(key, {
          job: job!,
          run: Number(run),
          host: host!,
          pgid: Number(pgid),
          startNs: BigInt(ns!),
        });
      } else {
        const started = runs.get(key);
        assert.ok(started, `run ${run} of ${job} ended after it started: "${line}"`);
        assert.equal(started.endNs, undefined, `run ${run} of ${job} ended once`);
        assert.equal(started.host, host, `run ${run} of ${job} ended where it started`);
        started.endNs = BigInt(ns!);
      }
    }
    return [...runs.values()].sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
  }

  /** Runs one job recorded, in order of their start. */
  async runsOf(job: string): Promise<RecordedRun[]> {
    return (await this.runs()).filter((run) => run.job === job);
  }

  /**
   * Continues, then kills, every worker started here and every job's process group recorded in
   * the runs file. Never throws.
   */
  async cleanUp(): Promise<void> {
    const groups = new Set(this.#workerGroups);
    try {
      for (const run of await this.runs()) groups.add(run.pgid);
    } catch {
      // A damaged runs file: the workers at least.
    }
    for (const group of groups) signalGroup(group, "SIGCONT");
    for (const group of groups) signalGroup(group, "SIGKILL");
  }
}

/**
 * Runs `body` with a cluster on a fresh database; afterwards every process it started is killed.
 * @param body The test.
 */
export function withCluster(body: (cluster: Cluster) => Promise<void>): Promise<void> {
  return withDatabase((url) =>
    withTempHome(async (dir) => {
      const cluster = new Cluster(url, dir);
      try {
        await body(cluster);
      } finally {
        await cluster.cleanUp();
      }
    })
  );
}

/**
 * Asserts that no two runs of one job overlap in time, as the jobs recorded them: each run ended
 * before the next one started. A run that never recorded its end (killed, or stopped and then
 * killed) ends when the test says it stopped running: `halted`, keyed `"<job> <run>"`.
 * @param runs Recorded runs.
 * @param halted When the test stopped or killed the runs that have no end, in `date +%s%N` ns.
 */
export function assertNoOverlap(runs: RecordedRun[], halted = new Map<string, bigint>()): void {
  const byJob = Map.groupBy(runs, (run) => run.job);
  for (const [job, jobRuns] of byJob) {
    for (let i = 1; i < jobRuns.length; i++) {
      const before = jobRuns[i - 1]!;
      const after = jobRuns[i]!;
      const end = before.endNs ?? halted.get(`${job} ${before.run}`);
      assert.ok(end !== undefined, `run ${before.run} of ${job} ended before run ${after.run}`);
      assert.ok(
        end <= after.startNs,
        `runs ${before.run} (${before.host}) and ${after.run} (${after.host}) of ${job} overlap`,
      );
    }
  }
}

/** Now, in nanoseconds since the epoch, comparable with what `date +%s%N` recorded. */
export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/**
 * Epoch milliseconds of an ISO 8601 time, failing on `null`.
 * @param iso The time.
 * @returns Milliseconds.
 */
export function ms(iso: string | null | undefined): number {
  assert.ok(typeof iso === "string", "a time is set");
  return Date.parse(iso);
}

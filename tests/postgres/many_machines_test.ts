/**
 * Many machines, simulated on one: worker pools with queue homes of their own and a test-only host
 * name (`QUEUECTL_HOSTNAME`), sharing one PostgreSQL store through the CLI. Two pools drain one
 * queue; a "remote" worker is frozen (SIGSTOP) or killed (SIGKILL) in the middle of a job. Each
 * job runs once, or at least once where a worker was lost, and never twice at once.
 * @module
 */

import assert from "node:assert/strict";
import postgres from "npm:postgres@3.4.9";
import type { JobJson } from "../cli/_cli.ts";
import { postgresAvailable } from "../_postgres.ts";
import { outputLines, spawnFixture } from "../_processes.ts";
import { waitFor } from "../_temp_home.ts";
import {
  assertNoOverlap,
  type Cluster,
  hangOn,
  type Machine,
  ms,
  nowNs,
  processGone,
  processStopped,
  recordedCommand,
  signalGroup,
  signalProcess,
  waitUntil,
  withCluster,
  type WorkerStatus,
} from "./_machines.ts";

const available = await postgresAvailable();
const skip = available ? "" : " (SKIPPED: no PostgreSQL server for tests)";

/** The smallest `stall_timeout` there is: a worker without heartbeat this long is lost. */
const STALL_S = 3;

/** Sets the shared store's `stall_timeout` (before any worker starts: it sets their tick). */
async function shortStall(cluster: Cluster, machine: Machine): Promise<void> {
  await cluster.ok(machine, ["config", "set", "stall_timeout", String(STALL_S)]);
}

/** Waits until the run of `job` numbered `run` has recorded its start; returns it. */
function runStarted(cluster: Cluster, job: string, run: number) {
  return waitFor(`run ${run} of ${job} to start`, async () => {
    return (await cluster.runsOf(job)).find((r) => r.run === run);
  });
}

/** A worker's log (detached workers write `<home>/workers/<id>.log`). */
async function workerLog(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return "";
  }
}

Deno.test({
  name:
    `PostgreSQL machines: two pools on two hosts drain 200 jobs together, each job run exactly once${skip}`,
  ignore: !available,
  async fn() {
    await withCluster(async (cluster) => {
      const a = await cluster.machine("machine-a");
      const b = await cluster.machine("machine-b");
      const poolA = await cluster.startWorkers(a, 3);
      const poolB = await cluster.startWorkers(b, 3);
      const ids = Array.from({ length: 200 }, (_, i) => `job-${String(i).padStart(3, "0")}`);
      // Half from each machine: either one's enqueue reaches both pools.
      const jobs = ids.map((id) => ({ id, command: recordedCommand("sleep 0.02") }));
      await cluster.enqueue(a, jobs.slice(0, 100));
      await cluster.enqueue(b, jobs.slice(100));
      const waited = await cluster.cli(b, ["wait", "--timeout", "25"]);
      assert.equal(waited.code, 0, `wait: ${waited.stderr}`);

      const workers = await cluster.workers(a);
      const hostOf = new Map(workers.map((w) => [w.id, w.host]));
      for (const w of poolA) assert.equal(hostOf.get(w.id), "machine-a");
      for (const w of poolB) assert.equal(hostOf.get(w.id), "machine-b");

      const list = await cluster.json<JobJson[]>(a, ["list"]);
      assert.equal(list.length, 200);
      for (const job of list) {
        assert.equal(job.state, "completed", `${job.id} completed`);
        assert.equal(job.attempts, 1, `${job.id} ran once`);
        assert.equal(job.history.length, 1, `${job.id} has one run`);
        assert.equal(job.history[0]!.worker_id, job.worker_id);
        assert.ok(hostOf.has(job.worker_id!), `${job.id} ran by one of the pools' workers`);
      }
      const jobHost = new Map(list.map((job) => [job.id, hostOf.get(job.worker_id!)]));

      const runs = await cluster.runs();
      assert.equal(runs.length, 200, "200 runs recorded");
      assert.deepEqual(runs.map((r) => r.job).sort(), ids, "every job ran, and once");
      for (const run of runs) {
        assert.equal(run.run, 1);
        assert.ok(run.endNs !== undefined, `${run.job} ran to its end`);
        assert.equal(run.host, jobHost.get(run.job), `${run.job} ran where the store says`);
      }
      assertNoOverlap(runs);
      const onA = runs.filter((r) => r.host === "machine-a").length;
      const onB = runs.filter((r) => r.host === "machine-b").length;
      assert.ok(onA > 0 && onB > 0, `both pools took jobs (machine-a ${onA}, machine-b ${onB})`);
      const together = runs.some((x) =>
        runs.some((y) => x.host !== y.host && x.startNs < y.endNs! && y.startNs < x.endNs!)
      );
      assert.ok(together, "the pools drained the queue together, not one after the other");

      // `worker stop` on one machine stops every worker of the store, on both machines.
      await cluster.ok(a, ["worker", "stop", "--timeout", "10"]);
      for (const w of await cluster.workers(b)) assert.equal(w.status, "stopped", w.id);
      for (const w of [...poolA, ...poolB]) {
        await waitUntil(`worker ${w.id} to exit`, () => processGone(w.pid));
      }
    });
  },
});

Deno.test({
  name:
    `PostgreSQL machines: a frozen remote machine's job is rerun after stall_timeout; continued, its worker kills its run, changes nothing and joins again${skip}`,
  ignore: !available,
  async fn() {
    await withCluster(async (cluster) => {
      const a = await cluster.machine("machine-a");
      const b = await cluster.machine("machine-b");
      await shortStall(cluster, a);
      const [frozen] = await cluster.startWorkers(b, 1);
      await cluster.enqueue(b, [{ id: "frozen", command: recordedCommand(hangOn("machine-b")) }]);
      const run1 = await runStarted(cluster, "frozen", 1);
      assert.equal(run1.host, "machine-b");

      // machine-b freezes: its worker and the job's process group.
      await cluster.freeze([frozen!.pid], [run1.pgid]);
      const haltedNs = nowNs();
      const lastBeat = ms(
        (await cluster.workers(a)).find((w) => w.id === frozen!.id)!.heartbeat,
      );

      // machine-a cannot judge machine-b's pid: only a heartbeat older than stall_timeout.
      const [rescuer] = await cluster.startWorkers(a, 1);
      const done = await cluster.waitForJob(
        a,
        "frozen",
        (job) => job.state === "completed",
        "the frozen job to be rerun and completed on machine-a",
        STALL_S * 1000 + 10_000,
      );
      assert.equal(done.attempts, 2, "the lost run counts as an attempt");
      assert.equal(done.worker_id, rescuer!.id);
      assert.equal(done.history.length, 2);
      const [lost, rerun] = done.history;
      assert.equal(lost!.worker_id, frozen!.id);
      assert.equal(lost!.outcome, "lost");
      assert.match(lost!.error ?? "", /no heartbeat/);
      assert.ok(
        ms(lost!.finished_at) - lastBeat >= STALL_S * 1000,
        `recovered ${ms(lost!.finished_at) - lastBeat} ms after the last heartbeat, ` +
          `not before stall_timeout`,
      );
      assert.equal(rerun!.worker_id, rescuer!.id);
      assert.equal(rerun!.outcome, "completed");
      assert.ok(ms(lost!.finished_at) <= ms(rerun!.started_at), "the store's runs do not overlap");
      const status = (await cluster.workers(a)).find((w) => w.id === frozen!.id);
      assert.equal(status?.status, "lost");
      // machine-a did not reach into machine-b: the frozen run is still there, stopped.
      assert.ok(await processStopped(run1.pgid), "machine-a left machine-b's run alone");

      // machine-b wakes up: its worker finds itself presumed dead, kills its run and joins again.
      signalGroup(run1.pgid, "SIGCONT");
      signalProcess(frozen!.pid, "SIGCONT");
      await waitUntil("machine-b's run to be killed", () => processGone(run1.pgid));
      await waitUntil(
        "machine-b's worker to join again",
        async () => /joining again/.test(await workerLog(frozen!.log)),
      );
      const log = await workerLog(frozen!.log);
      assert.match(
        log,
        /job frozen killed: this worker was presumed dead|killing it before this worker is presumed dead/,
      );
      assert.ok(!(await processGone(frozen!.pid)), "the worker process goes on");
      await waitUntil("machine-b's worker to be running again", async () => {
        const shown = (await cluster.workers(a)).find((w) => w.id === frozen!.id);
        return shown?.status === "running";
      });
      assert.deepEqual(await cluster.show(a, "frozen"), done, "the late worker changed nothing");

      const runs = await cluster.runsOf("frozen");
      assert.deepEqual(runs.map((r) => [r.run, r.host, r.endNs !== undefined]), [
        [1, "machine-b", false],
        [2, "machine-a", true],
      ]);
      assertNoOverlap(runs, new Map([["frozen 1", haltedNs]]));
    });
  },
});

Deno.test({
  name:
    `PostgreSQL machines: a hung remote worker's late settle is fenced off after its job was rerun${skip}`,
  ignore: !available,
  async fn() {
    await withCluster(async (cluster) => {
      const a = await cluster.machine("machine-a");
      const b = await cluster.machine("machine-b");
      await shortStall(cluster, a);
      const [hung] = await cluster.startWorkers(b, 1);
      await cluster.enqueue(b, [{ id: "hung", command: recordedCommand("sleep 0.3") }]);
      await runStarted(cluster, "hung", 1);
      // Only the worker hangs; its job goes on and ends, unreaped, while nobody records it.
      await cluster.freeze([hung!.pid]);
      await waitUntil(
        "run 1 to end",
        async () => (await cluster.runsOf("hung"))[0]?.endNs !== undefined,
      );
      assert.equal((await cluster.show(a, "hung")).state, "processing");

      const [rescuer] = await cluster.startWorkers(a, 1);
      const done = await cluster.waitForJob(
        a,
        "hung",
        (job) => job.state === "completed",
        "the hung worker's job to be rerun and completed on machine-a",
        STALL_S * 1000 + 10_000,
      );
      assert.equal(done.attempts, 2);
      assert.equal(done.worker_id, rescuer!.id);
      assert.deepEqual(done.history.map((h) => [h.worker_id, h.outcome]), [
        [hung!.id, "lost"],
        [rescuer!.id, "completed"],
      ]);

      // The hung worker goes on: its run ended with exit 0, but its claim is no longer the job's.
      signalProcess(hung!.pid, "SIGCONT");
      await waitUntil(
        "the hung worker to join again",
        async () => /joining again/.test(await workerLog(hung!.log)),
      );
      const log = await workerLog(hung!.log);
      // Which comes first after SIGCONT, the run's end or the heartbeat that finds the worker
      // lost, is up to the event loop: either way nothing is recorded.
      assert.match(log, /job hung run 1 ignored|job hung killed: this worker was presumed dead/);
      assert.doesNotMatch(log, /job hung run 1 completed/);
      assert.deepEqual(await cluster.show(a, "hung"), done, "the late settle changed nothing");

      const runs = await cluster.runsOf("hung");
      assert.deepEqual(runs.map((r) => [r.run, r.host, r.endNs !== undefined]), [
        [1, "machine-b", true],
        [2, "machine-a", true],
      ]);
      assertNoOverlap(runs);
    });
  },
});

Deno.test({
  name:
    `PostgreSQL machines: a SIGSTOPped worker on the same host keeps its job past stall_timeout, and completes it when continued${skip}`,
  ignore: !available,
  async fn() {
    await withCluster(async (cluster) => {
      // Two queue homes on one host: the other worker can see the stopped one's pid alive.
      const a1 = await cluster.machine("machine-a");
      const a2 = await cluster.machine("machine-a", "machine-a-home-2");
      await shortStall(cluster, a1);
      const [stopped] = await cluster.startWorkers(a1, 1);
      await cluster.enqueue(a1, [{ id: "paused", command: recordedCommand("sleep 0.3") }]);
      await runStarted(cluster, "paused", 1);
      await cluster.freeze([stopped!.pid]);
      const [neighbour] = await cluster.startWorkers(a2, 1);

      // Wait until the neighbour has heartbeated (and so looked for lost workers, right after)
      // twice beyond the stopped worker's stall_timeout.
      const beyond = async () => {
        const workers = await cluster.workers(a2);
        const of = (id: string) => workers.find((w) => w.id === id)!;
        const late = ms(of(neighbour!.id).heartbeat) - ms(of(stopped!.id).heartbeat);
        return late > STALL_S * 1000 + 2500 ? workers : undefined;
      };
      const workers: WorkerStatus[] = await waitFor("stall_timeout to pass", beyond, 15_000);
      assert.equal(workers.find((w) => w.id === stopped!.id)!.status, "running");
      const held = await cluster.show(a2, "paused");
      assert.equal(held.state, "processing", "a live local process keeps its job");
      assert.equal(held.worker_id, stopped!.id);
      assert.equal(held.attempts, 1);

      signalProcess(stopped!.pid, "SIGCONT");
      const done = await cluster.waitForJob(
        a1,
        "paused",
        (job) => job.state === "completed",
        "the continued worker to complete its job",
      );
      assert.equal(done.attempts, 1, "it ran once");
      assert.deepEqual(done.history.map((h) => [h.worker_id, h.outcome]), [
        [stopped!.id, "completed"],
      ]);
      const runs = await cluster.runsOf("paused");
      assert.deepEqual(runs.map((r) => [r.run, r.host]), [[1, "machine-a"]]);
      assert.ok(runs[0]!.endNs !== undefined);
    });
  },
});

Deno.test({
  name:
    `PostgreSQL machines: a killed remote machine's jobs are recovered after stall_timeout: rerun, or dead when no retry is left${skip}`,
  ignore: !available,
  async fn() {
    await withCluster(async (cluster) => {
      const a = await cluster.machine("machine-a");
      const b = await cluster.machine("machine-b");
      await shortStall(cluster, a);
      const doomed = await cluster.startWorkers(b, 2);
      await cluster.enqueue(b, [
        { id: "retried", max_retries: 1, command: recordedCommand(hangOn("machine-b")) },
        { id: "last-try", max_retries: 0, command: recordedCommand(hangOn("machine-b")) },
      ]);
      const runs1 = [
        await runStarted(cluster, "retried", 1),
        await runStarted(cluster, "last-try", 1),
      ];
      assert.deepEqual(runs1.map((r) => r.host), ["machine-b", "machine-b"]);

      // machine-b dies: its workers and their jobs, every process group.
      for (const w of doomed) signalGroup(w.pid, "SIGKILL");
      for (const run of runs1) signalGroup(run.pgid, "SIGKILL");
      for (const pid of [...doomed.map((w) => w.pid), ...runs1.map((r) => r.pgid)]) {
        await waitUntil(`process ${pid} to die`, () => processGone(pid));
      }
      const killedNs = nowNs();
      const beats = new Map(
        (await cluster.workers(a)).map((w) => [w.id, ms(w.heartbeat)]),
      );
      // On machine-b itself, `status` judges by pid: shown lost once their heartbeat is late
      // (2.5 s; a fresher one costs no more than kill(pid, 0), which a zombie passes), though
      // nobody has recorded it yet.
      await waitUntil("machine-b's status to show its workers lost", async () => {
        const shown = (await cluster.workers(b)).filter((w) => doomed.some((d) => d.id === w.id));
        return shown.every((w) => w.status === "lost");
      });

      const [rescuer] = await cluster.startWorkers(a, 1);
      const retried = await cluster.waitForJob(
        a,
        "retried",
        (job) => job.state === "completed",
        "the killed job with a retry left to complete on machine-a",
        STALL_S * 1000 + 10_000,
      );
      const lastTry = await cluster.waitForJob(
        a,
        "last-try",
        (job) => job.state === "dead",
        "the killed job without a retry left to be dead",
      );

      assert.equal(retried.attempts, 2, "the killed run counts as an attempt");
      assert.equal(retried.worker_id, rescuer!.id);
      const [lost, rerun] = retried.history;
      assert.equal(lost!.outcome, "lost");
      assert.match(lost!.error ?? "", /no heartbeat/);
      assert.equal(rerun!.outcome, "completed");
      assert.equal(rerun!.worker_id, rescuer!.id);
      assert.ok(ms(lost!.finished_at) <= ms(rerun!.started_at));

      assert.equal(lastTry.attempts, 1);
      assert.equal(lastTry.history.length, 1);
      assert.equal(lastTry.history[0]!.outcome, "lost");
      assert.match(lastTry.last_error ?? "", /worker .* was lost during attempt 1/);
      const dlq = await cluster.json<{ id: string }[]>(a, ["dlq", "list"]);
      assert.deepEqual(dlq.map((j) => j.id), ["last-try"]);

      // Judged by heartbeat alone: not recovered before stall_timeout, though the pids were gone.
      for (const job of [retried, lastTry]) {
        const run = job.history[0]!;
        const silent = ms(run.finished_at) - beats.get(run.worker_id)!;
        assert.ok(silent >= STALL_S * 1000, `${job.id} recovered only after ${silent} ms`);
      }
      for (const w of await cluster.workers(a)) {
        if (doomed.some((d) => d.id === w.id)) assert.equal(w.status, "lost", w.id);
      }

      const runs = await cluster.runs();
      const seen = runs.map((r) => [r.job, r.run, r.host, r.endNs !== undefined] as const);
      assert.deepEqual(seen.toSorted(), [
        ["last-try", 1, "machine-b", false],
        ["retried", 1, "machine-b", false],
        ["retried", 2, "machine-a", true],
      ]);
      assertNoOverlap(runs, new Map([["retried 1", killedNs], ["last-try 1", killedNs]]));
    });
  },
});

Deno.test({
  name:
    `PostgreSQL machines: cancel on one machine kills a job running on another within about a second${skip}`,
  ignore: !available,
  async fn() {
    await withCluster(async (cluster) => {
      const a = await cluster.machine("machine-a");
      const b = await cluster.machine("machine-b");
      const [worker] = await cluster.startWorkers(b, 1);
      await cluster.enqueue(b, [{ id: "unwanted", command: recordedCommand(hangOn("machine-b")) }]);
      const run = await runStarted(cluster, "unwanted", 1);
      const asked = Date.now();
      await cluster.ok(a, ["cancel", "unwanted"]);
      await waitUntil("machine-b to kill the canceled run", () => processGone(run.pgid), 5000);
      const job = await cluster.waitForJob(a, "unwanted", (j) => j.state === "canceled", "cancel");
      assert.ok(Date.now() - asked < 3000, `canceled in ${Date.now() - asked} ms`);
      assert.equal(job.attempts, 1);
      assert.deepEqual(job.history.map((h) => [h.worker_id, h.outcome]), [
        [worker!.id, "canceled"],
      ]);
      assert.equal((await cluster.runsOf("unwanted"))[0]!.endNs, undefined, "killed mid-run");
      const status = (await cluster.workers(a)).find((w) => w.id === worker!.id);
      assert.equal(status?.status, "running", "the worker goes on");
    });
  },
});

Deno.test({
  name:
    `PostgreSQL machines: logs of a run on machine-b can be read on machine-a (kept in the database)${skip}`,
  ignore: !available,
  async fn() {
    await withCluster(async (cluster) => {
      const a = await cluster.machine("machine-a");
      const b = await cluster.machine("machine-b");
      await cluster.startWorkers(b, 1);
      await cluster.enqueue(b, [{ id: "talk", command: 'echo "hello from $QUEUECTL_HOSTNAME"' }]);
      await cluster.waitForJob(a, "talk", (j) => j.state === "completed", "talk to complete");
      assert.equal(await cluster.ok(b, ["logs", "talk"]), "hello from machine-b\n");
      assert.equal(await cluster.ok(a, ["logs", "talk"]), "hello from machine-b\n");
    });
  },
});

Deno.test({
  name:
    `PostgreSQL machines: a remote worker frozen inside a transaction is still found lost after stall_timeout, and the queue goes on${skip}`,
  // A worker stopped (SIGSTOP, a paused VM, a network partition) between a statement and its
  // COMMIT keeps its session "idle in transaction": the server ends it after
  // idle_in_transaction_session_timeout (src/postgres/driver.ts), and recovery never waits on a
  // worker's locked row (SKIP LOCKED): the frozen worker is found lost and the queue goes on.
  ignore: !available,
  async fn() {
    await withCluster(async (cluster) => {
      const a = await cluster.machine("machine-a");
      const b = await cluster.machine("machine-b");
      await shortStall(cluster, a);
      // A cap on the queue: every claim takes that queue's lock for its transaction.
      await cluster.ok(a, ["queue", "set", "default", "--concurrency", "4"]);
      const [frozen] = await cluster.startWorkers(b, 1);
      await freezeInClaim(cluster, frozen!.pid);
      const [rescuer] = await cluster.startWorkers(a, 1);
      let recorded = false;
      try {
        await waitUntil("machine-a to record the frozen worker lost", async () => {
          const shown = (await cluster.workers(a)).find((w) => w.id === frozen!.id);
          return shown?.status === "lost";
        }, STALL_S * 1000 + 10_000);
        recorded = true;
      } catch {
        // Told below, with the other symptoms.
      }
      // Well past stall_timeout (machine-a has judged, or is stuck judging): a job with an id.
      const enqueue = ["enqueue", "--id", "meanwhile", "--", "true"];
      const { code, timedOut } = await cluster.cliWithin(a, enqueue, 5000);
      const beat = (await cluster.workers(a)).find((w) => w.id === rescuer!.id)!.heartbeat;
      assert.deepEqual({
        "frozen worker recorded lost": recorded,
        "enqueue --id during the freeze": timedOut ? "hung" : `exit ${code}`,
        "machine-a's worker heartbeating": Date.now() - ms(beat) < STALL_S * 1000,
      }, {
        "frozen worker recorded lost": true,
        "enqueue --id during the freeze": "exit 0",
        "machine-a's worker heartbeating": true,
      });
      // The frozen session's hold on the queue's lock ends (the server ends the session): the job
      // runs on machine-a, while machine-b is still stopped.
      const meanwhile = await cluster.waitForJob(
        a,
        "meanwhile",
        (job) => job.state === "completed",
        "the job enqueued meanwhile to run on machine-a",
      );
      assert.equal(meanwhile.worker_id, rescuer!.id);
      assert.ok(await processStopped(frozen!.pid), "machine-b is still frozen");
    });
  },
});

/**
 * Stops a worker (SIGSTOP) in the middle of a claim's transaction: the test holds the queue's cap
 * lock until the worker's claim waits for it, stops the worker, then lets the lock go. The
 * worker's session is then "idle in transaction", holding the lock every claim of that queue needs.
 */
async function freezeInClaim(cluster: Cluster, pid: number): Promise<void> {
  const sql = postgres(cluster.url, { max: 1, onnotice: () => {} });
  const claims = (state: string) =>
    sql.unsafe(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND state = $1
         AND query LIKE '%pg_advisory_xact_lock%' AND pid <> pg_backend_pid()
         AND ($1 <> 'active' OR wait_event_type = 'Lock')`,
      [state],
    );
  try {
    await sql`SELECT pg_advisory_lock(hashtext('queuectl:queue:default'))`;
    await waitUntil(
      "a claim to wait for the lock",
      async () => (await claims("active")).length > 0,
    );
    signalProcess(pid, "SIGSTOP");
    await waitUntil("the worker to be stopped", () => processStopped(pid));
    await sql`SELECT pg_advisory_unlock(hashtext('queuectl:queue:default'))`;
    await waitUntil(
      "the claim to hold the lock, idle in transaction",
      async () => (await claims("idle in transaction")).length > 0,
    );
  } finally {
    await sql.end({ timeout: 1 });
  }
}

Deno.test({
  name:
    `PostgreSQL machines: a machine whose clock runs ahead does not presume a heartbeating worker lost${skip}`,
  // Every machine's clock is corrected by the database server's (src/postgres/store.ts,
  // `localClock`, measured at connect and with each heartbeat): a heartbeat's age is the same
  // wherever it is judged.
  ignore: !available,
  async fn() {
    await withCluster(async (cluster) => {
      const b = await cluster.machine("machine-b");
      await shortStall(cluster, b);
      const [healthy] = await cluster.startWorkers(b, 1);
      await cluster.enqueue(b, [{ id: "busy", command: recordedCommand(hangOn("machine-b")) }]);
      await runStarted(cluster, "busy", 1);
      // machine-c's clock is 10 s ahead; the worker on machine-b heartbeats every second.
      const report = JSON.parse(
        (await outputLines(
          spawnFixture("fixtures/skewed_recovery.ts", [cluster.url, "machine-c", "10000"]),
        ))[0]!,
      ) as { lostWorkers: string[]; requeued: string[] };
      assert.deepEqual(report.lostWorkers, [], "no worker presumed lost");
      assert.deepEqual(report.requeued, []);
      const job = await cluster.show(b, "busy");
      assert.equal(job.state, "processing");
      assert.equal(job.worker_id, healthy!.id);
    });
  },
});

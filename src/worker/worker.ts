/**
 * The worker loop: register, heartbeat, recover lost workers' jobs, claim the next due job, run
 * it, settle it, and stop when asked — draining (running job finishes) or now (killed, requeued).
 * @module
 */

import { attemptLogPath } from "../home/layout.ts";
import type { Claim, QueueStore, StopMode } from "../queue/mod.ts";
import { executeJob } from "./executor.ts";
import { hostName, localLivenessProbe, processStartTime } from "./liveness.ts";
import { killOrphanedJobs } from "./orphans.ts";
import { Wakeup, watchJournal } from "./wakeup.ts";

/** What a worker needs. */
export interface WorkerOptions {
  store: QueueStore;
  home: string;
  id: string;
  /** Where the worker reports what it does, one line at a time. */
  log: (line: string) => void;
  /** Milliseconds between SIGTERM and SIGKILL when killing a job. */
  killGraceMs?: number;
}

const MAX_TICK_MS = 1000;
const MIN_TICK_MS = 100;

/** One worker process's job loop. */
export class Worker {
  #options: WorkerOptions;
  #wakeup = new Wakeup();
  #stopMode: StopMode | null = null;
  #lost = false;
  #running: { claim: Claim; abort: AbortController } | undefined;
  #ticking = false;
  #probe = localLivenessProbe();

  constructor(options: WorkerOptions) {
    this.#options = options;
  }

  /**
   * Re-reads this worker's entry now (heartbeat, stop requests) instead of at the next tick: a
   * signal from `worker stop` means the journal holds a stop request, maybe `--now`.
   */
  checkIn(): void {
    this.#tick();
  }

  /** Asks the loop to stop: `drain` lets a running job finish, `now` kills and requeues it. */
  requestStop(mode: StopMode): void {
    if (this.#stopMode !== "now") this.#stopMode = mode;
    if (mode === "now") this.#running?.abort.abort();
    this.#wakeup.notify();
  }

  /**
   * Runs until stopped. Requires `--allow-read`, `--allow-write`, unscoped `--allow-run`,
   * `--allow-sys=hostname`.
   */
  async run(): Promise<void> {
    const { store, id, log } = this.#options;
    await store.registerWorker({
      id,
      pid: Deno.pid,
      host: hostName(),
      pstart: (await processStartTime(Deno.pid)) ?? null,
    });
    log(`worker ${id} started (pid ${Deno.pid})`);
    const watcher = watchJournal(this.#options.home, () => this.#wakeup.notify());
    const config = await store.getConfig();
    const tickMs = Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, config.stall_timeout * 1000 / 3));
    const ticker = setInterval(() => this.#tick(), tickMs);
    try {
      await this.#recover();
      while (this.#stopMode === null && !this.#lost) {
        let claim = await store.claimNext(id);
        if (!claim) await this.#idle();
        // Settling a run and claiming the next job is one journal write: one fsync per job.
        while (claim) claim = await this.#runClaim(claim);
      }
    } finally {
      clearInterval(ticker);
      watcher.close();
      while (this.#ticking) await new Promise((resolve) => setTimeout(resolve, 10));
      if (!this.#lost) await store.workerExited(id);
    }
    log(
      this.#lost
        ? `worker ${id} was presumed dead by another process; exiting`
        : `worker ${id} stopped`,
    );
  }

  async #idle(): Promise<void> {
    const { store, id } = this.#options;
    const self = (await store.listWorkers()).find((w) => w.id === id);
    if (self?.status === "stopping") return this.requestStop(self.stop ?? "drain");
    if (self?.status === "lost") {
      this.#lost = true;
      return;
    }
    const config = await store.getConfig();
    let sleepMs = config.poll_interval * 1000;
    const due = await store.nextDueTime();
    if (due !== undefined) sleepMs = Math.min(sleepMs, due - Date.now());
    await this.#wakeup.sleep(sleepMs);
  }

  /** Runs a claimed job and settles it; returns the next claim when the worker goes on. */
  async #runClaim(claim: Claim): Promise<Claim | null> {
    const { store, home, log } = this.#options;
    const { job } = claim;
    const abort = new AbortController();
    this.#running = { claim, abort };
    log(`job ${job.id} attempt ${job.attempts} started: ${job.command}`);
    let result;
    try {
      result = await executeJob({
        jobId: job.id,
        attempt: job.attempts,
        workerId: this.#options.id,
        command: job.command,
        cwd: job.cwd,
        env: job.env,
        timeout: job.timeout,
        logPath: attemptLogPath(home, job.id, job.attempts),
        signal: abort.signal,
        ...(this.#options.killGraceMs === undefined
          ? {}
          : { killGraceMs: this.#options.killGraceMs }),
      });
    } finally {
      this.#running = undefined;
    }
    if (result.aborted) {
      if (this.#lost) {
        log(`job ${job.id} killed: this worker was presumed dead`);
        return null;
      }
      const requeued = await store.requeue(claim, "worker stopped with --now");
      log(`job ${job.id} killed and ${requeued ? "requeued" : "already taken over"}`);
      return null;
    }
    const goOn = this.#stopMode === null && !this.#lost;
    const { outcome, next } = goOn
      ? await store.settleAndClaimNext(claim, result)
      : { outcome: await store.settle(claim, result), next: null };
    const detail = result.error ? ` (${result.error.split("\n")[0]})` : "";
    log(`job ${job.id} attempt ${job.attempts} ${outcome} in ${result.durationMs} ms${detail}`);
    return next;
  }

  /** Heartbeat, stop requests, lost-worker recovery: runs on a timer, never overlapping. */
  async #tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      const self = await this.#options.store.heartbeat(this.#options.id);
      if (self?.status === "lost") {
        this.#lost = true;
        this.#running?.abort.abort();
        this.#wakeup.notify();
        return;
      }
      if (self?.status === "stopping") this.requestStop(self.stop ?? "drain");
      await this.#recover();
    } catch (error) {
      this.#options.log(`worker tick failed: ${error instanceof Error ? error.message : error}`);
    } finally {
      this.#ticking = false;
    }
  }

  async #recover(): Promise<void> {
    const { store, id, log } = this.#options;
    const report = await store.recoverLostWorkers({
      probe: this.#probe,
      exceptWorkerId: id,
      beforeRecover: async (worker) => {
        const killed = await killOrphanedJobs(worker);
        if (killed > 0) {
          log(`killed ${killed} process group(s) lost worker ${worker.id} left running`);
        }
      },
    });
    for (const worker of report.lostWorkers) log(`worker ${worker} presumed dead`);
    for (const job of report.requeued) log(`job ${job} recovered to pending`);
    for (const job of report.dead) log(`job ${job} recovered to dead: no runs left`);
    if (report.requeued.length > 0) this.#wakeup.notify();
  }
}

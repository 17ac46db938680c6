/**
 * The worker loop: register, heartbeat, recover lost workers' jobs, claim the next due job, run
 * it, settle it, and stop when asked — draining (running jobs finish) or now (killed, requeued).
 * One process runs up to `slots` jobs at once: one claim loop fills free slots; a slot that
 * settles its run claims its next job in the same write; one heartbeat and one store for all.
 * @module
 */

import { FatalStorageError, StoreUnavailableError } from "../errors.ts";
import { attemptLogPath } from "../home/layout.ts";
import { sleep } from "../platform/timers.ts";
import type { Claim, QueueStore, StopMode } from "../queue/mod.ts";
import { AbortRun, DEFAULT_KILL_GRACE_MS, executeJob, type ExecutionResult } from "./executor.ts";
import { LogShipper } from "./log_shipper.ts";
import { hostName, localLivenessProbe, processStartTime } from "./liveness.ts";
import { killOrphanedRun } from "./orphans.ts";
import { Wakeup } from "./wakeup.ts";

/** What a worker needs. */
export interface WorkerOptions {
  store: QueueStore;
  home: string;
  id: string;
  /** Where the worker reports what it does, one line at a time. */
  log: (line: string) => void;
  /** Milliseconds between SIGTERM and SIGKILL when killing a job. */
  killGraceMs?: number;
  /** The queues it claims from; every queue when absent. */
  queues?: string[];
  /** How many jobs it runs at once (default 1). */
  slots?: number;
}

/** A run in progress in one slot. */
interface Running {
  claim: Claim;
  abort: AbortController;
}

/** Why a run is aborted: the worker stops now, or the job was canceled, or fenced (below). */
const CANCELED = "canceled";
/**
 * A worker whose heartbeats have not reached a store shared across hosts for this part of
 * `stall_timeout` kills its running job: others judge it by heartbeat alone, and must not rerun
 * the job while it still runs here. The kill takes at most a sixth more.
 */
const FENCE_AFTER = 2 / 3;
const FENCED = "fenced";
/** How often a worker of a shared store looks at how long its heartbeats have been failing. */
const FENCE_CHECK_MS = 250;
const MAX_TICK_MS = 1000;
/** How often an idle worker that sees the store's changes looks for work anyway. */
const WATCHED_RECHECK_MS = 5_000;
const MIN_TICK_MS = 100;
/** Tries to record a run's end before giving up on it (and on the journal). */
const SETTLE_TRIES = 3;
/** Longest pause between tries of a journal operation that failed. */
const MAX_RETRY_PAUSE_MS = 10_000;

/** One worker process's job loop. */
export class Worker {
  #options: WorkerOptions;
  #wakeup = new Wakeup();
  #stopMode: StopMode | null = null;
  #lost = false;
  /** The runs in progress, by job id. */
  #running = new Map<string, Running>();
  #slots: number;
  /** Slots holding a claim (running, or recording how the run ended). */
  #busy = 0;
  /** The slots' chains of runs, awaited before the worker exits. */
  #chains = new Set<Promise<void>>();
  /** What made a slot give up: the worker stops, and fails with it. */
  #fatal: Error | undefined;
  #ticking = false;
  #checkingCancel = false;
  #probe = localLivenessProbe();
  /** When the last heartbeat that reached the store was sent. */
  #lastBeat = Date.now();
  /** Whether the store's changes wake this worker (else it polls every `poll_interval`). */
  #watching = false;
  #stallMs = 30_000;
  #lastFenceCheck = Date.now();
  /** When this process last woke from being frozen. */
  #resumedAt = 0;
  /** The last problem said in the log, so that a long outage is said once, not every second. */
  #problem: string | undefined;

  constructor(options: WorkerOptions) {
    this.#options = options;
    this.#slots = Math.max(1, Math.floor(options.slots ?? 1));
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
    if (mode === "now") this.#abortAll();
    this.#wakeup.notify();
  }

  /**
   * Runs until stopped. Requires `--allow-read`, `--allow-write`, unscoped `--allow-run`,
   * `--allow-sys=hostname`.
   */
  async run(): Promise<void> {
    const { store, id, log } = this.#options;
    await this.#register();
    const slots = this.#slots > 1 ? `, ${this.#slots} jobs at once` : "";
    log(`worker ${id} started (pid ${Deno.pid}${slots})`);
    // A journal change wakes an idle worker, and makes a busy one look for a cancel of its job.
    const watcher = store.watch(() => {
      this.#wakeup.notify();
      if (this.#running.size > 0) this.#checkCancel();
    });
    this.#watching = watcher.watching;
    const config = await store.getConfig();
    const tickMs = Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, config.stall_timeout * 1000 / 3));
    const ticker = setInterval(() => this.#tick(), tickMs);
    this.#stallMs = config.stall_timeout * 1000;
    const fence = store.sharedAcrossHosts
      ? setInterval(() => this.#checkFence(), FENCE_CHECK_MS)
      : undefined;
    let failed = false;
    try {
      // A recovery that fails (another process's run that cannot be recorded now) must not keep
      // this worker from its own work: it is tried again on every tick.
      await this.#recover().catch((error) => log(`recovery failed: ${messageOf(error)}`));
      await this.#claimLoop();
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      // Running jobs finish (drain) or are killed (now, lost, fatal) before the worker exits;
      // its heartbeats go on meanwhile.
      if (this.#fatal || failed) this.#abortAll();
      while (this.#chains.size > 0) await Promise.allSettled([...this.#chains]);
      if (this.#fatal) failed = true;
      clearInterval(ticker);
      clearInterval(fence);
      watcher.close();
      while (this.#ticking) await sleep(10);
      // The exit also recovers any claim this worker could not settle. If even that cannot be
      // written, the claim waits for another process to find this one gone.
      if (!this.#lost) {
        await store.workerExited(id).catch((error) => {
          log(`worker ${id} cannot record its exit: ${messageOf(error)}`);
          if (!failed) throw error;
        });
      }
    }
    if (this.#fatal) throw this.#fatal;
    log(
      this.#lost
        ? `worker ${id} was presumed dead by another process; exiting`
        : `worker ${id} stopped`,
    );
  }

  /**
   * Fills free slots until the worker stops: claims the next due job and starts it in a slot, or
   * sleeps until something changes (a journal write, a slot freed, a due time, the poll interval).
   */
  async #claimLoop(): Promise<void> {
    const { store, id, log } = this.#options;
    let failures = 0;
    while (this.#stopMode === null && !this.#fatal) {
      if (this.#lost) {
        // Presumed dead: on a store of one machine, it exits (its jobs were recovered). On a
        // shared store it was only out of reach: its jobs were recovered (and fenced off), the
        // process is fine, and it joins again once its killed runs are over, keeping the pool
        // its size.
        if (!store.sharedAcrossHosts) return;
        while (this.#chains.size > 0) await Promise.allSettled([...this.#chains]);
        log(
          `worker ${id} was presumed dead (its heartbeats stopped reaching the store); joining again`,
        );
        await this.#register().then(() => (this.#lost = false), (error) => {
          this.#say(`worker: cannot join again: ${messageOf(error)}`);
          return this.#wakeup.sleep(MAX_RETRY_PAUSE_MS);
        });
        continue;
      }
      if (this.#busy >= this.#slots) {
        // Woken when a slot frees (or anything else happens; then it just looks again).
        await this.#wakeup.sleep(MAX_RETRY_PAUSE_MS);
        continue;
      }
      try {
        // Taken before the claim is asked for: a slot that settles meanwhile must not take it.
        this.#busy++;
        let claim: Claim | null;
        try {
          claim = await store.claimNext(id);
        } catch (error) {
          this.#busy--;
          throw error;
        }
        failures = 0;
        this.#solved();
        if (claim) this.#startSlot(claim);
        else {
          this.#busy--;
          await this.#idle();
        }
      } catch (error) {
        // The journal could not be read or written (a full disk, a damaged line): say so and
        // try again later; only a failed fsync (the journal can no longer be trusted) ends it.
        if (error instanceof FatalStorageError) throw error;
        const pauseMs = Math.min(MAX_RETRY_PAUSE_MS, 500 * 2 ** failures++);
        this.#say(
          `worker: ${messageOf(error)}; trying again (every ${pauseMs / 1000} s at most)`,
        );
        await this.#wakeup.sleep(pauseMs);
      }
    }
  }

  /**
   * Runs a claim in a slot (already counted busy), then each next job the slot claims as it
   * settles, until there is none; then frees the slot.
   */
  #startSlot(first: Claim): void {
    const chain = (async () => {
      try {
        // Settling a run and claiming the next job is one journal write: one fsync per job.
        let claim: Claim | null = first;
        while (claim) claim = await this.#runClaim(claim);
      } catch (error) {
        if (error instanceof FatalStorageError || error instanceof UnreleasedClaimError) {
          // Nothing can be recorded: stop the worker; its exit (or another process's recovery
          // once it is gone) releases what it held.
          this.#fatal ??= error;
          this.#abortAll();
        } else {
          this.#say(`worker: ${messageOf(error)}`);
        }
      } finally {
        this.#busy--;
        this.#wakeup.notify();
      }
    })();
    this.#chains.add(chain);
    chain.finally(() => this.#chains.delete(chain));
  }

  /** Kills every running job (stop now, presumed dead, or the worker failed). */
  #abortAll(): void {
    for (const running of this.#running.values()) running.abort.abort();
  }

  async #register(): Promise<void> {
    const { store, id } = this.#options;
    const sent = Date.now();
    await store.registerWorker({
      id,
      pid: Deno.pid,
      host: hostName(),
      pstart: (await processStartTime(Deno.pid)) ?? null,
      ...(this.#options.queues ? { queues: this.#options.queues } : {}),
    });
    this.#lastBeat = sent;
  }

  /** Says a problem in the log unless it is the one said last. */
  #say(line: string): void {
    if (line === this.#problem) return;
    this.#problem = line;
    this.#options.log(line);
  }

  /** A store operation worked: the next problem is said again, and the end of this one. */
  #solved(): void {
    if (this.#problem === undefined) return;
    this.#problem = undefined;
    this.#options.log("worker: the store answers again");
  }

  /**
   * Kills the running job once heartbeats have not reached a shared store for a while, before
   * others presume this worker dead and run the job again elsewhere.
   */
  #checkFence(): void {
    const now = Date.now();
    const sinceCheck = now - this.#lastFenceCheck;
    this.#lastFenceCheck = now;
    if (sinceCheck > FENCE_CHECK_MS * 4 + 1000) {
      // This process was frozen (SIGSTOP, a suspended machine): its heartbeat is late because it
      // did not run, not because the store is out of reach. Ask the store first, at once: it
      // says whether this worker was presumed dead meanwhile.
      this.#resumedAt = now;
      void this.#tick();
    }
    if (now - this.#resumedAt < Math.min(1000, this.#stallMs / 6)) return;
    const silentMs = now - this.#lastBeat;
    if (silentMs < this.#stallMs * FENCE_AFTER) return;
    const grace = Math.min(this.#options.killGraceMs ?? DEFAULT_KILL_GRACE_MS, this.#stallMs / 6);
    for (const running of this.#running.values()) {
      if (running.abort.signal.aborted) continue;
      this.#options.log(
        `job ${running.claim.job.id}: no heartbeat reached the store for ${
          Math.round(silentMs / 1000)
        } s; killing it before this worker is presumed dead (the job will run again)`,
      );
      running.abort.abort(new AbortRun(FENCED, grace));
    }
  }

  async #idle(): Promise<void> {
    const { store, id } = this.#options;
    const self = (await store.listWorkers()).find((w) => w.id === id);
    if (self?.status === "stopping") return this.requestStop(self.stop ?? "drain");
    if (self?.status === "lost") {
      this.#lost = true;
      this.#abortAll();
      return;
    }
    const config = await store.getConfig();
    // Woken by every change and at the next due time, a worker that sees the store's changes
    // polls only as a safety net (a notification lost with a database connection).
    let sleepMs = config.poll_interval * 1000;
    if (this.#watching) sleepMs = Math.max(sleepMs, WATCHED_RECHECK_MS);
    const due = await store.nextDueTime(id);
    if (due !== undefined) sleepMs = Math.min(sleepMs, due - Date.now());
    await this.#wakeup.sleep(sleepMs);
  }

  /**
   * Runs a claimed job and settles it; returns the next claim when the worker goes on. Whatever
   * happens, the claim ends in a settle or a requeue; if neither can be recorded, this throws and
   * the worker's exit record recovers the job.
   */
  async #runClaim(claim: Claim): Promise<Claim | null> {
    const { store, home, log } = this.#options;
    const { job } = claim;
    const abort = new AbortController();
    if (this.#stopMode === "now" || this.#lost) abort.abort();
    this.#running.set(job.id, { claim, abort });
    log(`job ${job.id} run ${job.runs} (attempt ${job.attempts}) started: ${job.command}`);
    const logPath = attemptLogPath(home, job.id, job.runs);
    const shipper = new LogShipper(store, job.id, job.runs, logPath, log);
    shipper.start();
    let result: ExecutionResult;
    try {
      result = await executeJob({
        jobId: job.id,
        attempt: job.attempts,
        run: job.runs,
        workerId: this.#options.id,
        command: job.command,
        cwd: job.cwd,
        env: job.env,
        timeout: job.timeout,
        logPath,
        signal: abort.signal,
        ...(this.#options.killGraceMs === undefined
          ? {}
          : { killGraceMs: this.#options.killGraceMs }),
      });
    } catch (error) {
      // The run could not even be attempted properly: a failed run, like a missing directory.
      result = {
        exitCode: null,
        signal: null,
        timedOut: false,
        aborted: false,
        error: `cannot start: ${messageOf(error)}`,
        durationMs: 0,
      };
    } finally {
      this.#running.delete(job.id);
      await shipper.finish();
    }
    if (result.aborted) {
      if (this.#lost) {
        log(`job ${job.id} killed: this worker was presumed dead`);
        return null;
      }
      if (abort.signal.reason instanceof AbortRun && abort.signal.reason.why === FENCED) {
        // Counted, like any interrupted run; ignored if another worker took the job over.
        const released = await this.#whenStoreAnswers(() =>
          store.release(claim, "its worker lost contact with the store and killed it")
        );
        log(`job ${job.id} killed and ${released ? "released" : "already taken over"}`);
        return null;
      }
      if (abort.signal.reason === CANCELED) {
        const { outcome } = await this.#settle(claim, { ...result, canceled: true }, false);
        log(`job ${job.id} run ${job.runs} ${outcome}: killed because it was canceled`);
        return null;
      }
      let requeued: boolean;
      try {
        requeued = await store.requeue(claim, "worker stopped with --now");
      } catch (error) {
        // As for a settle that cannot be written: release it (counted), or stop trying.
        const reason = `the worker could not requeue the run it stopped: ${messageOf(error)}`;
        log(`job ${job.id}: ${reason}`);
        try {
          requeued = await store.release(claim, reason);
        } catch {
          throw new UnreleasedClaimError(reason, { cause: error });
        }
      }
      log(`job ${job.id} killed and ${requeued ? "requeued" : "already taken over"}`);
      return null;
    }
    const { outcome, next } = await this.#settle(claim, result);
    // The settle may have made jobs claimable (dependents, a retry): free slots look again. The
    // watcher does not wake this process for its own writes.
    this.#wakeup.notify();
    const detail = result.error ? ` (${result.error.split("\n")[0]})` : "";
    log(`job ${job.id} run ${job.runs} ${outcome} in ${result.durationMs} ms${detail}`);
    return next;
  }

  /** Records how a run ended (and claims the next job), trying a few times before giving up. */
  async #settle(claim: Claim, result: ExecutionResult, claimNext = true) {
    const { store, log } = this.#options;
    for (let attempt = 1;; attempt++) {
      try {
        const goOn = claimNext && this.#stopMode === null && !this.#lost && attempt === 1;
        return goOn
          ? await store.settleAndClaimNext(claim, result)
          : { outcome: await store.settle(claim, result), next: null };
      } catch (error) {
        if (error instanceof StoreUnavailableError && !this.#lost) {
          // A shared store down (a database restart): the run's end waits for it, fenced by its
          // lease if another worker took the job over meanwhile.
          this.#say(
            `job ${claim.job.id}: ${messageOf(error)}; its end is recorded once it is back`,
          );
          attempt--;
          await sleep(1000);
          continue;
        }
        if (error instanceof FatalStorageError || attempt >= SETTLE_TRIES) {
          const reason = `the worker could not record how the run ended: ${messageOf(error)}`;
          log(`job ${claim.job.id}: ${reason}`);
          try {
            // Counted: a job whose end cannot be recorded must not run forever.
            await store.release(claim, reason);
          } catch {
            // Nothing can be written: stop, so that the exit (or, failing that, recovery by
            // another process once this one is gone) releases the claim.
            throw new UnreleasedClaimError(reason, { cause: error });
          }
          return { outcome: "released" as const, next: null };
        }
        log(`job ${claim.job.id}: recording the run's end failed (${messageOf(error)}); retrying`);
        await sleep(500 * attempt);
      }
    }
  }

  /** Heartbeat, stop requests, lost-worker recovery: runs on a timer, never overlapping. */
  async #tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      const sent = Date.now();
      const self = await this.#options.store.heartbeat(this.#options.id);
      this.#lastBeat = sent;
      if (self?.status === "lost") {
        this.#lost = true;
        this.#abortAll();
        this.#wakeup.notify();
        return;
      }
      if (self?.status === "stopping") this.requestStop(self.stop ?? "drain");
      await this.#checkCancel();
      await this.#recover();
      // Recurring jobs: whichever worker comes first enqueues a due tick, exactly once.
      const fired = await this.#options.store.fireSchedules();
      for (const id of fired) this.#options.log(`schedule tick: enqueued ${id}`);
      if (fired.length > 0) this.#wakeup.notify();
    } catch (error) {
      this.#say(`worker tick failed: ${messageOf(error)}`);
    } finally {
      this.#ticking = false;
    }
  }

  /** Runs `operation`, again and again while the store is unavailable. */
  async #whenStoreAnswers<T>(operation: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        const result = await operation();
        this.#solved();
        return result;
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        this.#say(`worker: ${messageOf(error)}; waiting for it`);
        await sleep(1000);
      }
    }
  }

  /** Kills the running jobs whose cancel was asked for (through the store). */
  async #checkCancel(): Promise<void> {
    if (this.#running.size === 0 || this.#checkingCancel) return;
    this.#checkingCancel = true;
    try {
      const canceled = await this.#options.store.cancelRequests(this.#options.id);
      for (const id of canceled) {
        const running = this.#running.get(id);
        if (!running || running.abort.signal.aborted) continue;
        this.#options.log(`job ${id} was canceled: killing it`);
        running.abort.abort(CANCELED);
      }
    } catch (error) {
      this.#options.log(`checking for a cancel failed: ${messageOf(error)}`);
    } finally {
      this.#checkingCancel = false;
    }
  }

  async #recover(): Promise<void> {
    const { store, id, log } = this.#options;
    const report = await store.recoverLostWorkers({
      probe: this.#probe,
      exceptWorkerId: id,
      releaseRun: async (job, worker) => {
        const killed = await killOrphanedRun(job, worker);
        if (killed > 0) {
          log(`killed ${killed} process(es) job ${job.id} of worker ${job.worker_id} left running`);
        }
      },
    });
    for (const worker of report.lostWorkers) log(`worker ${worker} presumed dead`);
    for (const job of report.requeued) log(`job ${job} recovered to pending`);
    for (const job of report.dead) log(`job ${job} recovered to dead: no runs left`);
    if (report.requeued.length > 0) this.#wakeup.notify();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A claim this worker could neither settle nor release: the worker must stop. */
class UnreleasedClaimError extends Error {}

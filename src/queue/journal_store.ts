/**
 * The queue store on the journal: each operation is one journal transaction that decides on the
 * fresh state under the lock, so two processes can never claim the same job.
 * @module
 */

import { watchJournalFile } from "../journal/watch.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import { Journal, type Reducer } from "../journal/journal.ts";
import type { JournalStorage } from "../journal/storage.ts";
import { type Config, CONFIG_KEYS, type ConfigKey } from "./config.ts";
import { Consequences } from "./consequences.ts";
import { planEnqueue } from "./enqueue_plan.ts";
import { blindEnqueue, newJobId } from "./journal_submit.ts";
import { type Job, type JobState, jobView, type StoredJob } from "./job.ts";
import type { JobInput } from "./job_input.ts";
import {
  claimRecord,
  configRecord,
  exitRecord,
  heartbeatRecord,
  lostRecord,
  type QueueRecord,
  queueSettingsRecord,
  schedulePauseRecord,
  scheduleRecord,
  scheduleRemoveRecord,
  stopRecord,
  tickRecord,
  workerRecord,
} from "./records.ts";
import { countByQueue, type QueueView, queueViews } from "./queue_view.ts";
import { type Counters, type QueueMetrics, type StatsReport, windowReport } from "./stats.ts";
import type { CronCache, ScheduleSpec, ScheduleView } from "./schedules.ts";
import { applyRecord } from "./reducer.ts";
import { interruptRun, requeueRun, settleRun } from "./run_end.ts";
import { emptyQueueState, type QueueState, type StopMode, type WorkerEntry } from "./state.ts";
import type {
  CancelReport,
  Claim,
  CompactionSummary,
  EnqueueContext,
  EnqueuedJob,
  JobCounts,
  JobFilter,
  QueueChange,
  QueueStore,
  RecoveryOptions,
  RecoveryReport,
  RetryReport,
  RetryTarget,
  RunResult,
  SettleOutcome,
  StoredLog,
  StoreWatch,
  WorkerRegistration,
} from "./store.ts";

// Every command starts with this module loaded (enqueue's path: issue 14), and the time to load
// it grows with its code. What enqueue never runs is imported where it is used: compaction's
// snapshot and log clean-up, the short reads of one-shot commands (status, list, show), stats,
// cancel and retry, schedules. Modules a long-lived process uses again are kept in a promise.

let schedulesModule: Promise<typeof import("./schedules.ts")> | undefined;
let cancelRetryModule: Promise<typeof import("./cancel_retry.ts")> | undefined;

/** The schedule rules (and the cron parser behind them), on first use. */
function loadSchedules(): Promise<typeof import("./schedules.ts")> {
  return schedulesModule ??= import("./schedules.ts");
}

/** The cancel and retry planning, on first use. */
function loadCancelRetry(): Promise<typeof import("./cancel_retry.ts")> {
  return cancelRetryModule ??= import("./cancel_retry.ts");
}

/** How the queue's records fold into its state, for the journal. */
export const queueReducer: Reducer<QueueState> = {
  init: emptyQueueState,
  apply: applyRecord,
  snapshot: async (state, nowMs) => (await import("./snapshot.ts")).snapshotRecords(state, nowMs),
  liveRecords: (state) => state.jobs.size + state.workers.size + CONFIG_KEYS.length,
  settings: (state) => ({
    fsync: state.config.fsync,
    compactMinBytes: state.config.compact_threshold,
  }),
};

/** Options to {@linkcode JournalQueueStore.open}. */
export interface StoreOptions {
  /** Clock in epoch milliseconds; tests pass a fake one. */
  now?: () => number;
  /** The file system under the journal; tests pass a simulated one. */
  storage?: JournalStorage;
  /** See `JournalOptions.blindAppendMinBytes`. */
  blindAppendMinBytes?: number;
  /** Where housekeeping problems go; see `JournalOptions.onWarning` (default: stderr). */
  onWarning?: (message: string) => void;
  /** Bound on waiting for the queue lock; see `JournalOptions.lockTimeoutMs`. */
  lockTimeoutMs?: number;
  /** Long-lived callers (workers): told who holds the lock past the bound, and keep waiting. */
  onLockWait?: (message: string) => void;
}

/** A {@linkcode QueueStore} kept in a queue home's journal. */
export class JournalQueueStore implements QueueStore {
  #journal: Journal<QueueState>;
  #now: () => number;
  /** Parsed cron expressions, once a schedule is read. */
  #crons: CronCache | undefined;
  /**
   * Whether `listJobs` or `getJob` may still read a compacted journal without loading it (see fast_reads.ts):
   * only the first read of a handle that holds no state, as a one-shot command makes. A
   * long-lived caller loads the state once and catches up from then on.
   */
  #firstRead = true;
  #simulated = false;

  private constructor(journal: Journal<QueueState>, now: () => number) {
    this.#journal = journal;
    this.#now = now;
  }

  /**
   * Opens the queue in `home`, creating it if needed. Requires `--allow-read`, `--allow-write`.
   * @param home Absolute path of the queue home.
   * @param options Clock, storage, warning sink and lock wait overrides.
   * @returns The store; call `close()` when done.
   */
  static async open(home: string, options: StoreOptions = {}): Promise<JournalQueueStore> {
    const now = options.now ?? Date.now;
    const { onWarning, lockTimeoutMs, onLockWait } = options;
    const journal = await Journal.open(home, {
      reducer: queueReducer,
      now,
      ...(options.storage ? { storage: options.storage } : {}),
      ...(options.blindAppendMinBytes === undefined
        ? {}
        : { blindAppendMinBytes: options.blindAppendMinBytes }),
      ...(onWarning ? { onWarning } : {}),
      ...(lockTimeoutMs === undefined ? {} : { lockTimeoutMs }),
      ...(onLockWait ? { onLockWait } : {}),
      // Jobs dropped by retention take their logs with them.
      afterCompaction: async (previous, next) => {
        const { removeDroppedJobLogs } = await import("./dropped_job_logs.ts");
        await removeDroppedJobLogs(home, previous, next);
      },
    });
    const store = new JournalQueueStore(journal, now);
    // The short reads go to the file itself: not on a simulated disk.
    if (options.storage) {
      store.#firstRead = false;
      store.#simulated = true;
    }
    return store;
  }

  /** The underlying journal, for tools that inspect it (doctor, tests). */
  get journal(): Journal<QueueState> {
    return this.#journal;
  }

  #at(): string {
    return new Date(this.#now()).toISOString();
  }

  async enqueue(inputs: JobInput[], context: EnqueueContext): Promise<EnqueuedJob[]> {
    return await this.#journal.transactThen((state) => {
      const newId = () => newJobId(Math.floor(this.#now()));
      const { records, outcomes } = planEnqueue(state, inputs, context, this.#at(), newId);
      return { records, result: outcomes };
    }, (state, outcomes) =>
      outcomes.map(({ id, duplicate }) => {
        const job = this.#view(state, id);
        return duplicate ? { ...job, duplicate: true } : job;
      }));
  }

  async submit(inputs: JobInput[], context: EnqueueContext): Promise<string[]> {
    // Dependencies and unique keys are checked against the jobs: that needs the state. Ids given
    // by the user need only not be in the journal: its text is searched for them instead, and
    // any doubt (a mention, a repeated id) takes the ordinary path.
    const blind = blindEnqueue(inputs, context, this.#now());
    if (blind && await this.#journal.appendBlindUnless(blind.records, blind.mentions)) {
      return blind.ids;
    }
    return (await this.enqueue(inputs, context)).map((job) => job.id);
  }

  async claimNext(workerId: string): Promise<Claim | null> {
    // A claim is acknowledged to nobody: it needs no fsync of its own. Lost in a power cut, the
    // job is simply pending again, and the next durable write flushes it anyway.
    return await this.#journal.transactThen(
      (state) => {
        const record = this.#claimRecord(state, workerId);
        return { records: record ? [record] : [], result: record ? record.id as string : null };
      },
      (state, id) => id === null ? null : claimOf(state, id, workerId),
      { durable: false },
    );
  }

  settle(claim: Claim, result: RunResult): Promise<SettleOutcome> {
    return this.#journal.transact((state) => {
      const { records, outcome } = this.#settleDecision(state, claim, result);
      return { records, result: outcome };
    });
  }

  async settleAndClaimNext(
    claim: Claim,
    result: RunResult,
  ): Promise<{ outcome: SettleOutcome; next: Claim | null }> {
    return await this.#journal.transactThen((state) => {
      const { records, outcome } = this.#settleDecision(state, claim, result);
      // Decided on the state before the settle record applies: the settled job is still
      // processing there, so it cannot be claimed again here.
      const next = this.#claimRecord(state, claim.workerId);
      if (next) records.push(next);
      return { records, result: { outcome, nextId: next ? next.id as string : null } };
    }, (state, { outcome, nextId }) => ({
      outcome,
      next: nextId === null ? null : claimOf(state, nextId, claim.workerId),
    }));
  }

  #claimRecord(state: QueueState, workerId: string) {
    const worker = state.workers.get(workerId);
    if (worker && worker.status !== "running") return undefined;
    const job = state.claims.peek(
      this.#now(),
      (j) => state.jobs.get(j.id) === j,
      claimableQueues(state, worker?.queues ?? null),
    );
    return job
      ? claimRecord(this.#at(), job.id, workerId, job.attempts + 1, job.runs + 1)
      : undefined;
  }

  #settleDecision(
    state: QueueState,
    claim: Claim,
    result: RunResult,
  ): { records: QueueRecord[]; outcome: SettleOutcome } {
    const job = this.#heldJob(state, claim);
    if (!job) return { records: [], outcome: "ignored" };
    const nowMs = this.#now();
    const effects = new Consequences(state, new Date(nowMs).toISOString());
    const { record, outcome } = settleRun(state, job, claim.lease, result, nowMs, effects);
    return { records: [record, ...effects.records], outcome };
  }

  requeue(claim: Claim, reason: string): Promise<boolean> {
    return this.#journal.transact((state) => {
      const job = this.#heldJob(state, claim);
      if (!job) return { records: [], result: false };
      const at = this.#at();
      const effects = new Consequences(state, at);
      const record = requeueRun(job, claim.lease, at, reason, effects);
      return { records: [record, ...effects.records], result: true };
    });
  }

  release(claim: Claim, reason: string): Promise<boolean> {
    return this.#journal.transact((state) => {
      const job = this.#heldJob(state, claim);
      if (!job) return { records: [], result: false };
      const at = this.#at();
      const effects = new Consequences(state, at);
      const record = interruptRun(job, claim.lease, at, reason, effects);
      return { records: [record, ...effects.records], result: true };
    });
  }

  #heldJob(state: QueueState, claim: Claim): StoredJob | undefined {
    const job = state.jobs.get(claim.job.id);
    if (!job || job.state !== "processing" || job.lease !== claim.lease) return undefined;
    return job;
  }

  registerWorker(registration: WorkerRegistration): Promise<void> {
    const { id, pid, host, pstart, queues } = registration;
    return this.#journal.transact(() => ({
      records: [workerRecord(this.#at(), id, pid, host, pstart, queues ?? null)],
      result: undefined,
    }));
  }

  heartbeat(workerId: string): Promise<WorkerEntry | undefined> {
    return this.#journal.transactThen((state) => {
      const worker = state.workers.get(workerId);
      const alive = worker && (worker.status === "running" || worker.status === "stopping");
      return {
        records: alive ? [heartbeatRecord(this.#at(), workerId)] : [],
        result: undefined,
      };
    }, (state) => {
      const worker = state.workers.get(workerId);
      return worker ? { ...worker } : undefined;
    }, { durable: false });
  }

  workerExited(workerId: string): Promise<void> {
    return this.#journal.transact((state) => {
      const worker = state.workers.get(workerId);
      if (!worker || !isLive(worker)) return { records: [], result: undefined };
      // A worker never leaves a claim behind: whatever it still holds (its run's end could not be
      // recorded) is recovered in the same transaction as its exit.
      const at = this.#at();
      const records: QueueRecord[] = [];
      const effects = new Consequences(state, at);
      for (const job of state.jobs.values()) {
        if (job.state !== "processing" || job.worker_id !== workerId || job.lease === null) {
          continue;
        }
        const error = `worker ${workerId} exited during attempt ${job.attempts} ` +
          "without recording how it went";
        records.push(interruptRun(job, job.lease, at, error, effects));
      }
      records.push(...effects.records);
      records.push(exitRecord(at, workerId));
      return { records, result: undefined };
    });
  }

  async recoverLostWorkers(options: RecoveryOptions): Promise<RecoveryReport> {
    const { probe, exceptWorkerId, releaseRun } = options;
    const report: RecoveryReport = { lostWorkers: [], requeued: [], dead: [] };
    // A look without the lock first: nearly every call finds nothing to do and takes no lock.
    const seen = await this.#journal.refresh();
    if (
      !(await this.#anyLostWorker(seen, probe, exceptWorkerId)) && orphanedRuns(seen).length === 0
    ) {
      return report;
    }
    // 1. The verdict, under the lock on the fresh state, recorded before anything is killed.
    report.lostWorkers = await this.#journal.transact(async (state) => {
      const at = this.#at();
      const records: QueueRecord[] = [];
      const lost: string[] = [];
      for (const worker of state.workers.values()) {
        if (worker.id === exceptWorkerId || !isLive(worker)) continue;
        const reason = await this.#lostReason(state, worker, probe);
        if (reason === undefined) continue;
        records.push(lostRecord(at, worker.id, reason));
        lost.push(worker.id);
      }
      return { records, result: lost };
    });
    // 2. Runs whose worker is not live (lost now, earlier, or gone without settling them): kill
    // what they left running, without the lock.
    const orphans = orphanedRuns(this.#journal.state);
    if (orphans.length === 0) return report;
    for (const orphan of orphans) await releaseRun?.(jobView(orphan.job), orphan.worker);
    // 3. Recover each of them whose claim is still the same and whose worker is still not live,
    // each in its own transaction: one that cannot be recorded does not hold back the others.
    let failure: unknown;
    for (const { job: seenJob } of orphans) {
      try {
        const ended = await this.#journal.transact((state) => {
          const job = state.jobs.get(seenJob.id);
          const none = { records: [], result: undefined as "pending" | "dead" | undefined };
          if (!job || job.state !== "processing" || job.lease === null) return none;
          if (job.lease !== seenJob.lease) return none;
          const worker = job.worker_id === null ? undefined : state.workers.get(job.worker_id);
          if (worker && isLive(worker)) return none;
          const how = worker?.status === "lost"
            ? `was lost during attempt ${job.attempts}${worker.reason ? ` (${worker.reason})` : ""}`
            : `ended during attempt ${job.attempts} without recording how it went`;
          const at = this.#at();
          const effects = new Consequences(state, at);
          const record = interruptRun(
            job,
            job.lease,
            at,
            `worker ${job.worker_id} ${how}`,
            effects,
          );
          const ended = record.op === "recover" ? record.state : undefined;
          return { records: [record, ...effects.records], result: ended };
        });
        if (ended === "dead") report.dead.push(seenJob.id);
        else if (ended === "pending") report.requeued.push(seenJob.id);
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
    return report;
  }

  /** Whether any live worker looks lost, on a state read without the lock. */
  async #anyLostWorker(
    state: QueueState,
    probe: RecoveryOptions["probe"],
    exceptWorkerId: string | undefined,
  ): Promise<boolean> {
    for (const worker of state.workers.values()) {
      if (worker.id === exceptWorkerId || !isLive(worker)) continue;
      if ((await this.#lostReason(state, worker, probe)) !== undefined) return true;
    }
    return false;
  }

  /**
   * Why a live worker is lost, or `undefined` if it is not: its process is gone (same host), or,
   * where its process cannot be checked (another host), its heartbeat is older than
   * `stall_timeout`. A process known alive is never lost, however late its heartbeat: it may be
   * waiting for the lock behind a slow holder, or be stopped, and then it still runs its job.
   */
  async #lostReason(
    state: QueueState,
    worker: WorkerEntry,
    probe: RecoveryOptions["probe"],
  ): Promise<string | undefined> {
    const alive = await probe(worker);
    if (alive === true) return undefined;
    if (alive === false) return `process ${worker.pid} is gone`;
    const silentMs = this.#now() - worker.heartbeatMs;
    if (silentMs > state.config.stall_timeout * 1000) {
      return `no heartbeat for ${Math.round(silentMs / 1000)}s`;
    }
    return undefined;
  }

  requestStop(mode: StopMode): Promise<WorkerEntry[]> {
    return this.#journal.transact((state) => {
      const at = this.#at();
      const targets = [...state.workers.values()].filter((w) =>
        w.status === "running" || (w.status === "stopping" && mode === "now" && w.stop !== "now")
      );
      return {
        records: targets.map((w) => stopRecord(at, w.id, mode)),
        result: [...state.workers.values()]
          .filter((w) => w.status === "running" || w.status === "stopping")
          .map((w) => ({ ...w })),
      };
    });
  }

  async retryDead(ids: string[]): Promise<RetryReport> {
    const { planRetry } = await loadCancelRetry();
    return await this.#journal.transact((state) => {
      for (const id of ids) {
        const job = state.jobs.get(id);
        if (!job) throw new NotFoundError(`No job with id "${id}"`);
        if (job.state !== "dead") {
          throw new ValidationError(`Job "${id}" is ${job.state}, not in the dead letter queue`);
        }
      }
      const { records, revived, skipped } = planRetry(state, ids, this.#at(), ["dead"]);
      return { records, result: { retried: revived, skipped } };
    });
  }

  async cancel(ids: string[]): Promise<CancelReport> {
    const { planCancel } = await loadCancelRetry();
    return await this.#journal.transact((state) => {
      const { records, report } = planCancel(state, ids, this.#at());
      return { records, result: report };
    });
  }

  async retry(target: RetryTarget): Promise<RetryReport> {
    const { planRetry } = await loadCancelRetry();
    return await this.#journal.transact((state) => {
      const all = !("ids" in target);
      const ids = all ? idsInState(state, target.state) : target.ids;
      if (ids.length === 0) return { records: [], result: { retried: [], skipped: [] } };
      const { records, revived, skipped } = planRetry(state, ids, this.#at(), undefined, all);
      return { records, result: { retried: revived, skipped } };
    });
  }

  async cancelRequests(workerId: string): Promise<string[]> {
    const state = await this.#journal.refresh();
    return [...state.cancelRequests].filter((id) => state.jobs.get(id)?.worker_id === workerId);
  }

  /** The public view of a job, with the jobs that depend on it. */
  #view(state: QueueState, id: string): Job {
    const job = state.jobs.get(id);
    if (!job) throw new NotFoundError(`No job with id "${id}"`);
    return jobView(job, state.dependents.get(id) ?? []);
  }

  async getConfig(): Promise<Config> {
    return { ...(await this.#journal.refresh()).config };
  }

  async setConfig(key: ConfigKey, value: Config[ConfigKey]): Promise<Config> {
    await this.#journal.transact((state) => ({
      records: state.config[key] === value ? [] : [configRecord(this.#at(), key, value)],
      result: undefined,
    }));
    return { ...this.#journal.state.config };
  }

  async getJob(id: string): Promise<Job> {
    const first = this.#firstRead;
    this.#firstRead = false;
    if (first && this.#journal.lastSeq === 0) {
      const { fastGetJob } = await import("./fast_reads.ts");
      const job = await fastGetJob(this.#journal.path, id);
      if (job === null) throw new NotFoundError(`No job with id "${id}"`);
      if (job !== undefined) return job;
    }
    return this.#view(await this.#journal.refresh(), id);
  }

  async listJobs(filter: JobFilter = {}): Promise<Job[]> {
    const first = this.#firstRead;
    this.#firstRead = false;
    if (first && filter.limit !== undefined && this.#journal.lastSeq === 0) {
      const { limit } = filter;
      const { fastListJobs } = await import("./fast_reads.ts");
      const jobs = await fastListJobs(this.#journal.path, { ...filter, limit });
      if (jobs !== undefined) return jobs;
    }
    const state = await this.#journal.refresh();
    const matching: StoredJob[] = [];
    const needle = filter.search?.toLowerCase();
    for (const job of state.jobs.values()) {
      if (filter.state !== undefined && job.state !== filter.state) continue;
      if (filter.queue !== undefined && job.queue !== filter.queue) continue;
      if (
        needle !== undefined && !job.id.toLowerCase().includes(needle) &&
        !job.command.toLowerCase().includes(needle)
      ) continue;
      matching.push(job);
    }
    matching.sort((a, b) => b.order - a.order);
    const start = filter.offset ?? 0;
    const limited = matching.slice(
      start,
      filter.limit === undefined ? undefined : start + filter.limit,
    );
    return limited.map((job) => jobView(job, state.dependents.get(job.id) ?? []));
  }

  async countJobs(): Promise<JobCounts> {
    const { counts } = await this.#journal.refresh();
    let total = 0;
    for (const n of Object.values(counts)) total += n;
    return { ...counts, total };
  }

  async summary(): Promise<{ jobs: JobCounts; workers: WorkerEntry[]; queues: QueueView[] }> {
    if (this.#journal.lastSeq > 0) {
      // This process holds the state already: no need to read the file again.
      return {
        jobs: await this.countJobs(),
        workers: await this.listWorkers(),
        queues: await this.listQueues(),
      };
    }
    const { fastSummary } = await import("./fast_reads.ts");
    const fast = await fastSummary(this.#journal.path);
    if (fast !== undefined) return fast;
    const [{ StatusTally }, { readJournalLines }] = await Promise.all([
      import("./status_tally.ts"),
      import("../journal/line_reader.ts"),
    ]);
    const tally = new StatusTally();
    await readJournalLines(this.#journal.path, (record) => tally.apply(record));
    return { jobs: tally.counts(), workers: tally.workers(), queues: tally.queues() };
  }

  async listWorkers(): Promise<WorkerEntry[]> {
    const state = await this.#journal.refresh();
    return [...state.workers.values()].map((w) => ({ ...w }));
  }

  async nextDueTime(workerId?: string): Promise<number | undefined> {
    const state = await this.#journal.refresh();
    const queues = workerId === undefined ? null : state.workers.get(workerId)?.queues ?? null;
    // A full queue is left in: a job ending there changes the journal, which wakes the worker.
    const allowed = (name: string) =>
      (queues === null || queues.includes(name)) && state.queues.get(name)?.paused !== true;
    return state.claims.nextDue(this.#now(), (j) => state.jobs.get(j.id) === j, allowed);
  }

  async setQueue(name: string, change: QueueChange): Promise<QueueView> {
    await this.#journal.transact((state) => {
      const settings = state.queues.get(name) ?? { paused: false, concurrency: 0 };
      const changed = (change.paused !== undefined && change.paused !== settings.paused) ||
        (change.concurrency !== undefined && change.concurrency !== settings.concurrency);
      return {
        records: changed ? [queueSettingsRecord(this.#at(), name, { ...change })] : [],
        result: undefined,
      };
    });
    return (await this.listQueues()).find((queue) => queue.name === name)!;
  }

  async addSchedule(spec: ScheduleSpec, replace: boolean): Promise<ScheduleView> {
    const { checkScheduleName } = await loadSchedules();
    checkScheduleName(spec.name);
    const crons = await this.#cronCache();
    // Parsed before the lock: a bad expression or zone is refused with nothing written.
    await crons.get(spec.cron, spec.timezone);
    await this.#journal.transact((state) => {
      if (state.schedules.has(spec.name) && !replace) {
        throw new ValidationError(
          `A schedule named "${spec.name}" exists; use --replace to replace it`,
        );
      }
      const record = scheduleRecord(this.#at(), spec.name, spec.cron, spec.timezone, spec.job);
      return { records: [record], result: undefined };
    });
    return await this.#scheduleView(spec.name);
  }

  async removeSchedule(name: string): Promise<void> {
    await this.#journal.transact((state) => {
      if (!state.schedules.has(name)) throw new NotFoundError(`No schedule named "${name}"`);
      return { records: [scheduleRemoveRecord(this.#at(), name)], result: undefined };
    });
  }

  async pauseSchedule(name: string, paused: boolean): Promise<ScheduleView> {
    await this.#journal.transact((state) => {
      const schedule = state.schedules.get(name);
      if (!schedule) throw new NotFoundError(`No schedule named "${name}"`);
      const records = schedule.paused === paused
        ? []
        : [schedulePauseRecord(this.#at(), name, paused)];
      return { records, result: undefined };
    });
    return await this.#scheduleView(name);
  }

  async listSchedules(): Promise<ScheduleView[]> {
    const { scheduleView } = await loadSchedules();
    const crons = await this.#cronCache();
    const state = await this.#journal.refresh();
    const views: ScheduleView[] = [];
    for (const schedule of state.schedules.values()) {
      views.push(await scheduleView(schedule, this.#now(), crons));
    }
    return views.sort((a, b) => a.name.localeCompare(b.name));
  }

  async fireSchedules(): Promise<string[]> {
    const seen = await this.#journal.refresh();
    if (seen.schedules.size === 0) return [];
    const { dueTicks, tickJobId } = await loadSchedules();
    const crons = await this.#cronCache();
    // A look without the lock first: nearly every call finds no tick due.
    if ((await dueTicks(seen, this.#now(), crons)).length === 0) return [];
    return await this.#journal.transact(async (state) => {
      const nowMs = this.#now();
      const at = new Date(nowMs).toISOString();
      const records: QueueRecord[] = [];
      const fired: string[] = [];
      for (const { schedule, tickMs } of await dueTicks(state, nowMs, crons)) {
        const tick = new Date(tickMs).toISOString();
        const id = tickJobId(schedule.name, tickMs);
        if (!state.jobs.has(id)) {
          const input = { ...schedule.job, id, run_at: tick };
          const cwd = schedule.job.cwd ?? "/";
          try {
            const plan = planEnqueue(state, [input], { cwd }, at, () => id);
            records.push(...plan.records);
            if (plan.records.length > 0) fired.push(id);
          } catch (error) {
            // The template no longer fits the queue (a dependency gone): the tick passes.
            if (!(error instanceof ValidationError)) throw error;
          }
        }
        records.push(tickRecord(at, schedule.name, tick, id));
      }
      return { records, result: fired };
    });
  }

  async stats(query: { sinceMs: number; queue?: string }): Promise<StatsReport> {
    const state = await this.#journal.refresh();
    return windowReport(state.stats, query.sinceMs, this.#now(), query.queue);
  }

  async metrics(): Promise<QueueMetrics> {
    const state = await this.#journal.refresh();
    const nowMs = this.#now();
    const totals: Record<string, Counters> = {};
    for (const [queue, counters] of state.stats.totals) totals[queue] = { ...counters };
    const jobs: Record<string, Record<string, number>> = {};
    for (const [queue, counts] of countByQueue(state)) jobs[queue] = { ...counts };
    const latency: Record<string, number> = {};
    for (const job of state.jobs.values()) {
      if (job.state !== "pending" && job.state !== "failed") continue;
      const age = job.dueMs <= nowMs ? (nowMs - job.dueMs) / 1000 : 0;
      latency[job.queue] = Math.max(latency[job.queue] ?? 0, age);
    }
    for (const queue of Object.keys(jobs)) latency[queue] ??= 0;
    const workers: Record<string, number> = { running: 0, stopping: 0, stopped: 0, lost: 0 };
    for (const worker of state.workers.values()) workers[worker.status]!++;
    return { totals, jobs, samples: [...state.stats.samples], latency, workers };
  }

  async #scheduleView(name: string): Promise<ScheduleView> {
    const { scheduleView } = await loadSchedules();
    const crons = await this.#cronCache();
    const schedule = (await this.#journal.refresh()).schedules.get(name);
    if (!schedule) throw new NotFoundError(`No schedule named "${name}"`);
    return await scheduleView(schedule, this.#now(), crons);
  }

  /** This store's parsed cron expressions, made on first use. */
  async #cronCache(): Promise<CronCache> {
    const { CronCache } = await loadSchedules();
    return this.#crons ??= new CronCache();
  }

  async listQueues(): Promise<QueueView[]> {
    const state = await this.#journal.refresh();
    return queueViews(countByQueue(state), state.queues);
  }

  watch(onChange: () => void): StoreWatch {
    // A change this process made itself (a heartbeat, a settle) is no news to it: an idle worker
    // would otherwise wake at each of its own heartbeats.
    const handle = watchJournalFile(this.#journal.home, () => {
      if (!this.#journal.isUnchangedSinceSeen()) onChange();
    });
    // On a simulated disk (tests), nothing the file system reports is this journal's.
    return this.#simulated ? { close: () => handle.close(), watching: false } : handle;
  }

  /** One machine's: every worker is also judged by its pid, which outlives a slow disk. */
  readonly sharedAcrossHosts = false;

  /** The journal keeps no output: each run's log file in the home is its output. */
  readonly keepsLogs = false;

  appendLog(): Promise<void> {
    return Promise.resolve();
  }

  readLog(): Promise<StoredLog | undefined> {
    return Promise.resolve(undefined);
  }

  compact(): Promise<CompactionSummary> {
    return this.#journal.compact();
  }

  close(): Promise<void> {
    return this.#journal.close();
  }
}

/**
 * Which queues a worker may claim from now: those it serves, not paused, and under their cap
 * (counted under the lock, so a cap of N never has N+1 running).
 */
function claimableQueues(state: QueueState, served: string[] | null) {
  return (name: string): boolean => {
    if (served !== null && !served.includes(name)) return false;
    const settings = state.queues.get(name);
    if (!settings) return true;
    if (settings.paused) return false;
    return settings.concurrency === 0 || (state.running.get(name) ?? 0) < settings.concurrency;
  };
}

/** Ids of every job in `jobState`, in enqueue order. */
function idsInState(state: QueueState, jobState: JobState): string[] {
  return [...state.jobs.values()].filter((job) => job.state === jobState)
    .sort((a, b) => a.order - b.order).map((job) => job.id);
}

/** Whether a worker counts as running: it may hold jobs and must be judged if it vanishes. */
function isLive(worker: WorkerEntry): boolean {
  return worker.status === "running" || worker.status === "stopping";
}

/** A run whose worker is no longer live, as seen at one moment. */
interface OrphanedRun {
  job: StoredJob;
  worker: WorkerEntry | undefined;
}

function orphanedRuns(state: QueueState): OrphanedRun[] {
  const orphans: OrphanedRun[] = [];
  if (state.counts.processing === 0) return orphans;
  for (const job of state.jobs.values()) {
    if (job.state !== "processing") continue;
    const worker = job.worker_id === null ? undefined : state.workers.get(job.worker_id);
    if (worker && isLive(worker)) continue;
    orphans.push({ job: { ...job }, worker: worker ? { ...worker } : undefined });
  }
  return orphans;
}

/** The claim a worker holds on a job, as the state right after its claim record says. */
function claimOf(state: QueueState, id: string, workerId: string): Claim {
  const job = state.jobs.get(id)!;
  return { job: jobView(job), lease: job.lease!, workerId };
}

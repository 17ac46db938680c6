/**
 * The queue store on PostgreSQL, for workers on many machines sharing one queue. Claims take the
 * next job in claim order with `FOR UPDATE SKIP LOCKED`; a claim's lease is a number from one
 * sequence (the fencing token); wake-ups come by `LISTEN/NOTIFY`. Every other decision is made by
 * the same pure planners and reducer as the journal store, on a slice of rows loaded under row
 * locks (and, for what touches dependencies, unique keys, cancels, retries and recovery, under one
 * transaction-scoped advisory lock), and what they change is written back in the same
 * transaction. The clock is the caller's (`now`), never the server's, so tests drive it.
 * @module
 */

import { NotFoundError, QueueError, StoreUnavailableError, ValidationError } from "../errors.ts";
import { ulidFactory } from "../platform/ulid.ts";
import { sleep } from "../platform/timers.ts";
import { Mutex } from "../journal/mutex.ts";
import { planCancel, planRetry } from "../queue/cancel_retry.ts";
import type { Config, ConfigKey } from "../queue/config.ts";
import { Consequences } from "../queue/consequences.ts";
import { enqueueFields, planEnqueue } from "../queue/enqueue_plan.ts";
import { type Job, JOB_STATES, type JobState, jobView, type StoredJob } from "../queue/job.ts";
import type { JobInput } from "../queue/job_input.ts";
import { type QueueView, queueViews } from "../queue/queue_view.ts";
import {
  claimRecord,
  configRecord,
  enqueueRecord,
  exitRecord,
  lostRecord,
  type QueueRecord,
  queueSettingsRecord,
  schedulePauseRecord,
  scheduleRecord,
  scheduleRemoveRecord,
  stopRecord,
  tickRecord,
  workerRecord,
} from "../queue/records.ts";
import { interruptRun, requeueRun, settleRun } from "../queue/run_end.ts";
import {
  checkScheduleName,
  CronCache,
  dueTicks,
  type ScheduleSpec,
  type ScheduleView,
  scheduleView,
  tickJobId,
} from "../queue/schedules.ts";
import type { QueueState, StopMode, WorkerEntry } from "../queue/state.ts";
import {
  type Counters,
  emptyStats,
  MINUTES_KEPT,
  type QueueMetrics,
  SAMPLES_KEPT,
  type StatsReport,
  windowReport,
} from "../queue/stats.ts";
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
} from "../queue/store.ts";
import { LOG_BYTES_KEPT } from "../queue/store.ts";
import { type DatabaseAddress, parseDatabaseUrl } from "./database_url.ts";
import {
  connect,
  describeDatabaseError,
  isConnectionError,
  query,
  type Sql,
  type TransactionSql,
} from "./driver.ts";
import { jobFromRow, scheduleFromRow, WORKER_JOBS, workerFromRow } from "./rows.ts";
import { migrate, MIGRATIONS, SCHEMA } from "./schema.ts";
import { applyRecords, loadSlice } from "./slice.ts";

const newJobId = ulidFactory();
/** The advisory lock of decisions that span rows (dependencies, keys, cancels, recovery). */
const WORKFLOW_LOCK = 0x51_43_54_4c; // "QCTL"
/** The channel every change is announced on. */
const CHANNEL = "queuectl";
/** Longest a lost connection is retried before an operation gives up. */
const RECONNECT_FOR_MS = 60_000;
/** The counters' columns added up over their shards. */
const SUMS = ["enqueued", "completed", "failed", "dead", "canceled"]
  .map((c) => `sum(${c})::bigint AS ${c}`).join(", ");
/** Errors of a server that is restarting: admin shutdown, crash shutdown, starting up. */
const RESTARTING = new Set(["57P01", "57P02", "57P03"]);
/** How long opening the store waits for a restarting server. */
const RESTART_WAIT_MS = 15_000;
/** The server's clock, in epoch milliseconds, as a column. */
const SERVER_MS = "(extract(epoch from clock_timestamp()) * 1000)::float8 AS server_ms";
const SERVER_MS_SQL = `SELECT ${SERVER_MS}`;

/**
 * The claim: the first claimable job in claim order (priority, due, FIFO), skipping rows another
 * claim holds. Each reads one entry of a claim index however many jobs wait: `jobs_claim_any` for
 * a worker of every queue, `jobs_claim` for a worker of one. `$1` now, `$2` queues not to claim from
 * (paused, or at their cap), `$3` the queue or queues the worker serves.
 */
export const CLAIM_SQL = {
  any: `SELECT * FROM ${SCHEMA}.jobs
    WHERE state IN ('pending', 'failed') AND due_at <= $1 AND NOT (queue = ANY($2))
    ORDER BY priority DESC, due_at, ord LIMIT 1 FOR UPDATE SKIP LOCKED`,
  one: `SELECT * FROM ${SCHEMA}.jobs
    WHERE state IN ('pending', 'failed') AND due_at <= $1 AND NOT (queue = ANY($2)) AND queue = $3
    ORDER BY priority DESC, due_at, ord LIMIT 1 FOR UPDATE SKIP LOCKED`,
  some: `SELECT * FROM ${SCHEMA}.jobs
    WHERE state IN ('pending', 'failed') AND due_at <= $1 AND NOT (queue = ANY($2))
      AND queue = ANY($3)
    ORDER BY priority DESC, due_at, ord LIMIT 1 FOR UPDATE SKIP LOCKED`,
} as const;

/** Options of {@linkcode PostgresQueueStore.open}. */
export interface PostgresStoreOptions {
  /** Clock in epoch milliseconds, taken as it is; tests pass a fake one. */
  now?: () => number;
  /**
   * This machine's clock (default `Date.now`), when `now` is not given: it is corrected by the
   * database server's, measured when connecting and with every heartbeat, so that machines whose
   * clocks disagree still agree on how old a heartbeat is. Tests pass a skewed one.
   */
  localClock?: () => number;
  /** Told once when the connection is lost, and again when it is back. */
  onWarning?: (message: string) => void;
  /**
   * How long an operation whose connection was lost is tried again before the store is reported
   * unavailable (default a minute); tests pass a short one.
   */
  retryForMs?: number;
  /** Connections in the pool. */
  maxConnections?: number;
}

/** A job that depends on a settled one must be decided under the workflow lock: start over. */
class NeedsWorkflowLock extends Error {}

/** A {@linkcode QueueStore} in a PostgreSQL database. */
export class PostgresQueueStore implements QueueStore {
  #sql: Sql;
  #address: DatabaseAddress;
  #now: () => number;
  #warn: (message: string) => void;
  #crons = new CronCache();
  #disconnected = false;
  /** The machine's clock when it is corrected by the server's (`undefined`: a given clock). */
  #local: (() => number) | undefined;
  /** The server's clock minus this machine's, in milliseconds. */
  #clockOffset = 0;
  /** Workers whose last claim failed with the connection: it may have committed unseen. */
  #unsureClaims = new Set<string>();
  /**
   * The jobs each worker of this process holds (claimed, not yet ended here): a worker runs several
   * at once, so a claim whose reply was lost is the one processing under its id that is not here.
   */
  #held = new Map<string, Set<string>>();
  /** Claims of this process, one at a time: `#held` is exact while each decides. */
  #claiming = new Mutex();
  #retryForMs: number;
  /** Workers on many machines share it. */
  readonly sharedAcrossHosts = true;
  /** Runs' output is kept in the database (`log_chunks`), its last 1 MiB. */
  readonly keepsLogs = true;

  private constructor(sql: Sql, address: DatabaseAddress, options: PostgresStoreOptions) {
    this.#sql = sql;
    this.#address = address;
    const local = options.localClock ?? Date.now;
    this.#local = options.now ? undefined : local;
    this.#now = options.now ?? (() => local() + this.#clockOffset);
    this.#warn = options.onWarning ?? (() => {});
    this.#retryForMs = options.retryForMs ?? RECONNECT_FOR_MS;
  }

  /**
   * Connects, and creates or migrates the schema. Requires `--allow-net` to the database.
   * @param url `postgres://user:password@host:port/database`.
   * @param options Clock, warnings.
   * @returns The store; `close()` it when done.
   * @throws {QueueError} one line for a bad URL (exit 2), a wrong password or an unreachable host.
   */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresQueueStore> {
    const address = parseDatabaseUrl(url);
    const sql = await connect(address, { max: options.maxConnections ?? 4 });
    let store: PostgresQueueStore;
    try {
      // A server starting up or shutting down (a restart) is waited for; one that refuses the
      // connection or does not exist is said at once.
      const deadline = Date.now() + RESTART_WAIT_MS;
      for (let tries = 1;; tries++) {
        try {
          await migrate(sql);
          break;
        } catch (error) {
          const code = (error as { code?: string }).code ?? "";
          if (!RESTARTING.has(code) || Date.now() > deadline) throw error;
          await sleep(Math.min(1000, 100 * 2 ** tries));
        }
      }
      store = new PostgresQueueStore(sql, address, options);
      if (store.#local) {
        const sent = store.#local();
        const [row] = await query(sql, SERVER_MS_SQL);
        store.#syncClock(sent, Number(row!.server_ms));
      }
    } catch (error) {
      await sql.end({ timeout: 1 }).catch(() => {});
      throw describeDatabaseError(error, address);
    }
    return store;
  }

  /** The database, for messages. */
  get address(): DatabaseAddress {
    return this.#address;
  }

  #at(): string {
    return new Date(this.#now()).toISOString();
  }

  /**
   * Runs `body` in a transaction (under the workflow lock if asked), again after a deadlock or a
   * lost connection (said once), and turns driver errors into one-line queuectl errors.
   */
  async #tx<T>(
    body: (tx: TransactionSql, afterLostConnection: boolean) => Promise<T>,
    workflow = false,
  ): Promise<T> {
    return await this.#retrying(async (lost) => {
      for (;;) {
        try {
          return await this.#sql.begin(async (tx) => {
            if (workflow) await tx`SELECT pg_advisory_xact_lock(${WORKFLOW_LOCK})`;
            return await body(tx, lost);
          }) as T;
        } catch (error) {
          if (!(error instanceof NeedsWorkflowLock) || workflow) throw error;
          workflow = true; // decided again, under the lock
        }
      }
    });
  }

  /**
   * Runs `attempt` again after a deadlock or a lost connection (said once, for up to
   * {@linkcode RECONNECT_FOR_MS} unless told otherwise), and turns driver errors into one-line queuectl errors.
   * @param attempt Told whether an earlier try lost its connection (it may have committed).
   */
  async #retrying<T>(attempt: (afterLostConnection: boolean) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.#retryForMs;
    // Once a connection broke during a try, that try may have committed unseen.
    let lost = false;
    for (let tries = 1;; tries++) {
      try {
        const result = await attempt(lost);
        if (this.#disconnected) {
          this.#disconnected = false;
          this.#warn(`connection to PostgreSQL at ${this.#where()} is back`);
        }
        return result as T;
      } catch (error) {
        if (error instanceof QueueError) throw error;
        const code = (error as { code?: string }).code;
        if ((code === "40P01" || code === "40001") && tries < 10) continue;
        if (isConnectionError(error) && Date.now() < deadline) {
          lost = true;
          if (!this.#disconnected) {
            this.#disconnected = true;
            this.#warn(`lost the connection to PostgreSQL at ${this.#where()}; retrying`);
          }
          await sleep(Math.min(5000, 100 * 2 ** Math.min(tries, 6)));
          continue;
        }
        throw describeDatabaseError(error, this.#address);
      }
    }
  }

  /**
   * Sets the clock offset from the server's time read between `sent` and now (the middle of that
   * round trip is taken as the instant it was read).
   */
  #syncClock(sent: number, serverMs: number): void {
    if (!this.#local || !Number.isFinite(serverMs)) return;
    const received = this.#local();
    this.#clockOffset = serverMs - (sent + received) / 2;
  }

  #where(): string {
    return `${this.#address.host}:${this.#address.port}/${this.#address.database}`;
  }

  /** Applies records to a slice and announces the change. */
  async #write(tx: TransactionSql, state: QueueState, records: QueueRecord[]): Promise<number[]> {
    const seqs = await applyRecords(tx, state, records);
    if (records.length > 0) await tx`SELECT pg_notify(${CHANNEL}, '')`;
    return seqs;
  }

  async enqueue(inputs: JobInput[], context: EnqueueContext): Promise<EnqueuedJob[]> {
    // Ids and time chosen once for every try: a try after a lost connection can tell whether the
    // one before committed (its first new job is there, made at that instant) and answer with it,
    // instead of adding the jobs again or calling its own job "already exists".
    const at = this.#at();
    const generated = inputs.map(() => newJobId(Math.floor(this.#now())));
    let planned: { outcomes: { id: string; duplicate: boolean }[]; added: string[] } | undefined;
    const viewsOf = async (tx: TransactionSql, state: QueueState | undefined) => {
      const views: EnqueuedJob[] = [];
      for (const { id, duplicate } of planned!.outcomes) {
        const job = state?.jobs.get(id) ?? await this.#jobIn(tx, id);
        views.push(
          duplicate ? { ...this.#viewOf(job, []), duplicate: true } : this.#viewOf(job, []),
        );
      }
      return views;
    };
    return await this.#tx(async (tx, afterLostConnection) => {
      if (afterLostConnection && planned && await this.#committed(tx, planned.added, at)) {
        return await viewsOf(tx, undefined);
      }
      const named = inputs.flatMap((input) => input.id === undefined ? [] : [input.id]);
      const dependencies = inputs.flatMap((input) => input.depends_on ?? []);
      const keys = inputs.flatMap((input) =>
        input.unique_key === undefined ? [] : [input.unique_key]
      );
      const state = await loadSlice(tx, { jobs: named, shared: dependencies, keys });
      let next = 0;
      const newId = () => generated[next++]!;
      const { records, outcomes } = planEnqueue(state, inputs, context, at, newId);
      planned = { outcomes, added: records.map((record) => record.id as string) };
      await this.#write(tx, state, records);
      return await viewsOf(tx, state);
    }, true);
  }

  /**
   * Whether a try that lost its connection committed: the first job it added exists, made at
   * the instant that try chose.
   */
  async #committed(tx: TransactionSql, added: string[], at: string): Promise<boolean> {
    if (added.length === 0) return false;
    const [row] = await query(tx, `SELECT created_at FROM ${SCHEMA}.jobs WHERE id = $1`, [
      added[0]!,
    ]);
    return row !== undefined && new Date(row.created_at).getTime() === Date.parse(at);
  }

  async submit(inputs: JobInput[], context: EnqueueContext): Promise<string[]> {
    const needsState = (input: JobInput) =>
      input.id !== undefined || input.depends_on !== undefined || input.unique_key !== undefined;
    if (inputs.some(needsState)) return (await this.enqueue(inputs, context)).map((j) => j.id);
    // As in enqueue: one set of ids and one time for every try, so that a try after a lost
    // connection finds the jobs an unseen commit added.
    const at = this.#at();
    const ids = inputs.map(() => newJobId(Math.floor(this.#now())));
    return await this.#tx(async (tx, afterLostConnection) => {
      if (afterLostConnection && await this.#committed(tx, ids, at)) return ids;
      const state = await loadSlice(tx, {});
      const records = inputs.map((input, i) =>
        enqueueRecord(at, enqueueFields(input, ids[i]!, at, context))
      );
      await this.#write(tx, state, records);
      return ids;
    });
  }

  claimNext(workerId: string): Promise<Claim | null> {
    return this.#claiming.run(async () => {
      try {
        const claim = await this.#claimNext(workerId);
        this.#unsureClaims.delete(workerId);
        if (claim) this.#heldBy(workerId).add(claim.job.id);
        return claim;
      } catch (error) {
        if (error instanceof StoreUnavailableError) this.#unsureClaims.add(workerId);
        throw error;
      }
    });
  }

  #heldBy(workerId: string): Set<string> {
    let held = this.#held.get(workerId);
    if (!held) this.#held.set(workerId, held = new Set());
    return held;
  }

  /** A claim ended here (settled, requeued, released, or found no longer held). */
  #ended<T>(claim: Claim, outcome: T): T {
    this.#held.get(claim.workerId)?.delete(claim.job.id);
    return outcome;
  }

  async #claimNext(workerId: string): Promise<Claim | null> {
    return await this.#tx(async (tx, afterLostConnection) => {
      if (afterLostConnection || this.#unsureClaims.has(workerId)) {
        // The claim that went before may have committed with its reply lost: a job processing
        // under this worker's id that none of its runs here holds is that claim.
        const [mine] = await query(
          tx,
          `SELECT * FROM ${SCHEMA}.jobs WHERE state = 'processing' AND worker_id = $1
             AND NOT (id = ANY($2::text[])) LIMIT 1`,
          [workerId, [...(this.#held.get(workerId) ?? [])]],
        );
        if (mine) {
          const job = jobFromRow(mine);
          return { job: jobView(job), lease: job.lease!, workerId };
        }
      }
      const [row] = await query(tx, `SELECT * FROM ${SCHEMA}.workers WHERE id = $1`, [workerId]);
      const worker = row ? workerFromRow(row) : undefined;
      if (worker && worker.status !== "running") return null;
      const served = worker?.queues ?? null;
      const excluded: string[] = [];
      const settings = await query(
        tx,
        `SELECT name, paused, concurrency FROM ${SCHEMA}.queues ORDER BY name`,
      );
      for (const q of settings) {
        if (served !== null && !served.includes(q.name)) continue;
        if (q.paused) {
          excluded.push(q.name);
          continue;
        }
        if (Number(q.concurrency) > 0) {
          // A cap is counted under a lock of its own: never N+1 running, however many claim.
          await tx`SELECT pg_advisory_xact_lock(hashtext(${"queuectl:queue:" + q.name}))`;
          const { n } = first(
            await query(
              tx,
              `SELECT count(*)::int AS n FROM ${SCHEMA}.jobs WHERE state = 'processing' AND queue = $1`,
              [q.name],
            ),
          );
          if (Number(n) >= Number(q.concurrency)) excluded.push(q.name);
        }
      }
      const now = this.#at();
      const [candidate] = served === null
        ? await query(tx, CLAIM_SQL.any, [now, excluded])
        : served.length === 1
        ? await query(tx, CLAIM_SQL.one, [now, excluded, served[0]!])
        : await query(tx, CLAIM_SQL.some, [now, excluded, served]);
      if (!candidate) return null;
      const state = await loadSlice(tx, { workers: [workerId] });
      const job = jobFromRow(candidate);
      state.jobs.set(job.id, job);
      state.counts[job.state]++;
      const record = claimRecord(now, job.id, workerId, job.attempts + 1, job.runs + 1);
      await this.#write(tx, state, [record]);
      const claimed = state.jobs.get(job.id)!;
      return { job: jobView(claimed), lease: claimed.lease!, workerId };
    });
  }

  /** Ends a held run with the records `decide` makes, under the workflow lock when needed. */
  async #endRun<T>(
    claim: Claim,
    notHeld: T,
    decide: (state: QueueState, job: StoredJob, effects: Consequences) => {
      records: QueueRecord[];
      result: T;
    },
  ): Promise<T> {
    return await this.#tx(async (tx) => {
      const [row] = await query(tx, `SELECT * FROM ${SCHEMA}.jobs WHERE id = $1 FOR UPDATE`, [
        claim.job.id,
      ]);
      if (!row || row.state !== "processing" || Number(row.lease) !== claim.lease) return notHeld;
      // A run whose end matters to other jobs is decided with them, under the workflow lock.
      const { deps } = first(
        await query(
          tx,
          // count(*), not EXISTS: the planner takes EXISTS for a sequential scan.
          `SELECT count(*) > 0 AS deps FROM ${SCHEMA}.jobs WHERE depends_on @> ARRAY[$1]::text[]`,
          [claim.job.id],
        ),
      );
      return await this.#endHeld(tx, claim, deps === true, notHeld, decide);
    });
  }

  async #endHeld<T>(
    tx: TransactionSql,
    claim: Claim,
    dependents: boolean,
    notHeld: T,
    decide: (state: QueueState, job: StoredJob, effects: Consequences) => {
      records: QueueRecord[];
      result: T;
    },
  ): Promise<T> {
    const { locked } = first(
      await query(tx, `SELECT pg_try_advisory_xact_lock(${WORKFLOW_LOCK}) AS locked`),
    );
    if (dependents && !locked) throw new NeedsWorkflowLock();
    const state = await loadSlice(tx, {
      jobs: [claim.job.id],
      dependents,
      workers: [claim.workerId],
    });
    const job = state.jobs.get(claim.job.id);
    if (!job || job.state !== "processing" || job.lease !== claim.lease) return notHeld;
    const at = this.#at();
    const effects = new Consequences(state, at);
    const { records, result } = decide(state, job, effects);
    await this.#write(tx, state, [...records, ...effects.records]);
    return result;
  }

  async settle(claim: Claim, result: RunResult): Promise<SettleOutcome> {
    const outcome = await this.#endRun<SettleOutcome>(claim, "ignored", (state, job, effects) => {
      const { record, outcome } = settleRun(state, job, claim.lease, result, this.#now(), effects);
      return { records: [record], result: outcome };
    });
    return this.#ended(claim, outcome);
  }

  async settleAndClaimNext(
    claim: Claim,
    result: RunResult,
  ): Promise<{ outcome: SettleOutcome; next: Claim | null }> {
    const outcome = await this.settle(claim, result);
    return { outcome, next: await this.claimNext(claim.workerId) };
  }

  async requeue(claim: Claim, reason: string): Promise<boolean> {
    const requeued = await this.#endRun(claim, false, (_state, job, effects) => ({
      records: [requeueRun(job, claim.lease, this.#at(), reason, effects)],
      result: true,
    }));
    return this.#ended(claim, requeued);
  }

  async release(claim: Claim, reason: string): Promise<boolean> {
    const released = await this.#endRun(claim, false, (_state, job, effects) => ({
      records: [interruptRun(job, claim.lease, this.#at(), reason, effects)],
      result: true,
    }));
    return this.#ended(claim, released);
  }

  async registerWorker(registration: WorkerRegistration): Promise<void> {
    const { id, pid, host, pstart, queues } = registration;
    // Joining (again) after it was presumed dead: its runs were killed here, and whatever it
    // held and others have not recovered yet is recovered now, before it is live again (a
    // live worker's jobs are not recovered by anyone).
    this.#held.delete(id);
    this.#unsureClaims.delete(id);
    await this.#tx(async (tx) => {
      const { state, held } = await this.#sliceHeldBy(tx, id);
      const at = this.#at();
      const records: QueueRecord[] = [];
      const before = state.workers.get(id);
      if (before && !isLive(before)) {
        const effects = new Consequences(state, at);
        for (const job of held) {
          const error = `worker ${id} was lost during attempt ${job.attempts}` +
            (before.reason ? ` (${before.reason})` : "");
          records.push(interruptRun(job, job.lease!, at, error, effects));
        }
        records.push(...effects.records);
      }
      records.push(workerRecord(at, id, pid, host, pstart, queues ?? null));
      await this.#write(tx, state, records);
    }, true);
  }

  /**
   * A worker and the runs it holds (jobs processing under its id, with their dependents), loaded
   * under row locks.
   */
  async #sliceHeldBy(
    tx: TransactionSql,
    workerId: string,
  ): Promise<{ state: QueueState; held: StoredJob[] }> {
    const ids = (await query(
      tx,
      `SELECT id FROM ${SCHEMA}.jobs WHERE state = 'processing' AND worker_id = $1`,
      [workerId],
    )).map((row) => row.id as string);
    const state = await loadSlice(tx, { jobs: ids, dependents: true, workers: [workerId] });
    const held = [...state.jobs.values()].filter((job) =>
      job.state === "processing" && job.worker_id === workerId && job.lease !== null
    );
    return { state, held };
  }

  async heartbeat(workerId: string): Promise<WorkerEntry | undefined> {
    // One statement, not a transaction: no moment at which a frozen worker holds its row.
    const sent = this.#local?.() ?? 0;
    const [row] = await this.#retrying(() =>
      query(
        this.#sql,
        `UPDATE ${SCHEMA}.workers SET heartbeat = greatest(heartbeat, $2)
         WHERE id = $1 AND status IN ('running', 'stopping')
         RETURNING *, ${SERVER_MS}`,
        [workerId, this.#at()],
      )
    );
    if (row) {
      this.#syncClock(sent, Number(row.server_ms));
      return workerFromRow(row);
    }
    const [other] = await query(this.#sql, `SELECT * FROM ${SCHEMA}.workers WHERE id = $1`, [
      workerId,
    ]).catch((error) => {
      throw describeDatabaseError(error, this.#address);
    });
    return other ? workerFromRow(other) : undefined;
  }

  async workerExited(workerId: string): Promise<void> {
    await this.#tx(async (tx) => {
      const { state, held } = await this.#sliceHeldBy(tx, workerId);
      const worker = state.workers.get(workerId);
      if (!worker || !isLive(worker)) return;
      const at = this.#at();
      const effects = new Consequences(state, at);
      const records: QueueRecord[] = [];
      for (const job of held) {
        if (this.#unsureClaims.has(workerId) && !this.#held.get(workerId)?.has(job.id)) {
          // A claim whose reply was lost, never handed to a run here: it never ran.
          const reason =
            `worker ${workerId} exited before starting it (its claim's reply was lost)`;
          records.push(requeueRun(job, job.lease!, at, reason, effects));
          continue;
        }
        const error = `worker ${workerId} exited during attempt ${job.attempts} ` +
          "without recording how it went";
        records.push(interruptRun(job, job.lease!, at, error, effects));
      }
      records.push(...effects.records, exitRecord(at, workerId));
      await this.#write(tx, state, records);
    }, true);
  }

  async recoverLostWorkers(options: RecoveryOptions): Promise<RecoveryReport> {
    const { probe, exceptWorkerId, releaseRun } = options;
    const report: RecoveryReport = { lostWorkers: [], requeued: [], dead: [] };
    const config = await this.getConfig();
    const lostReason = async (worker: WorkerEntry) => {
      const alive = await probe(worker);
      if (alive === true) return undefined;
      if (alive === false) return `process ${worker.pid} is gone`;
      const silentMs = this.#now() - worker.heartbeatMs;
      return silentMs > config.stall_timeout * 1000
        ? `no heartbeat for ${Math.round(silentMs / 1000)}s`
        : undefined;
    };
    const live = (await this.listWorkers()).filter((w) => isLive(w) && w.id !== exceptWorkerId);
    const suspects: string[] = [];
    for (const worker of live) {
      if ((await lostReason(worker)) !== undefined) suspects.push(worker.id);
    }
    if (suspects.length > 0) {
      // The verdict under the lock, on fresh rows, recorded before anything is killed. A row
      // another transaction holds is a heartbeat being written (or a session frozen inside one,
      // which the server ends soon): judged next time, never waited for.
      report.lostWorkers = await this.#tx(async (tx) => {
        const state = await loadSlice(tx, { workers: suspects, skipLockedWorkers: true });
        const at = this.#at();
        const records: QueueRecord[] = [];
        const lost: string[] = [];
        for (const worker of state.workers.values()) {
          if (worker.id === exceptWorkerId || !isLive(worker)) continue;
          const reason = await lostReason(worker);
          if (reason === undefined) continue;
          records.push(lostRecord(at, worker.id, reason));
          lost.push(worker.id);
        }
        await this.#write(tx, state, records);
        return lost;
      }, true);
    }
    const orphans = await this.#orphanedRuns();
    for (const orphan of orphans) await releaseRun?.(jobView(orphan.job), orphan.worker);
    let failure: unknown;
    for (const { job: seen } of orphans) {
      try {
        const ended = await this.#tx(async (tx) => {
          const state = await loadSlice(tx, { jobs: [seen.id], dependents: true });
          const job = state.jobs.get(seen.id);
          if (!job || job.state !== "processing" || job.lease === null) return undefined;
          if (job.lease !== seen.lease) return undefined;
          const [row] = job.worker_id === null
            ? []
            : await query(tx, `SELECT * FROM ${SCHEMA}.workers WHERE id = $1 FOR UPDATE`, [
              job.worker_id,
            ]);
          const worker = row ? workerFromRow(row) : undefined;
          if (worker && isLive(worker)) return undefined;
          if (worker) state.workers.set(worker.id, worker);
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
          await this.#write(tx, state, [record, ...effects.records]);
          return record.op === "recover" ? record.state : undefined;
        }, true);
        if (ended === "dead") report.dead.push(seen.id);
        else if (ended === "pending") report.requeued.push(seen.id);
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
    return report;
  }

  /** Processing jobs whose worker is not live (lost, stopped, unknown). */
  async #orphanedRuns(): Promise<{ job: StoredJob; worker: WorkerEntry | undefined }[]> {
    const rows = await this.#tx((tx) =>
      query(
        tx,
        `SELECT j.*, row_to_json(w) AS worker_row FROM ${SCHEMA}.jobs j
         LEFT JOIN ${SCHEMA}.workers w ON w.id = j.worker_id
         WHERE j.state = 'processing' AND (w.id IS NULL OR w.status NOT IN ('running', 'stopping'))`,
      )
    );
    return rows.map((row) => ({
      job: jobFromRow(row),
      worker: row.worker_row ? workerFromRow(row.worker_row as Record<string, unknown>) : undefined,
    }));
  }

  async requestStop(mode: StopMode): Promise<WorkerEntry[]> {
    return await this.#tx(async (tx) => {
      const state = await loadSlice(tx, { allWorkers: true });
      const at = this.#at();
      const targets = [...state.workers.values()].filter((w) =>
        w.status === "running" || (w.status === "stopping" && mode === "now" && w.stop !== "now")
      );
      await this.#write(tx, state, targets.map((w) => stopRecord(at, w.id, mode)));
      return [...state.workers.values()].filter(isLive).map((w) => ({ ...w }));
    }, true);
  }

  async retryDead(ids: string[]): Promise<RetryReport> {
    return await this.#tx(async (tx) => {
      const state = await loadSlice(tx, { jobs: ids, canceledBy: ids, dependents: false });
      for (const id of ids) {
        const job = state.jobs.get(id);
        if (!job) throw new NotFoundError(`No job with id "${id}"`);
        if (job.state !== "dead") {
          throw new ValidationError(`Job "${id}" is ${job.state}, not in the dead letter queue`);
        }
      }
      const { records, revived, skipped } = planRetry(state, ids, this.#at(), ["dead"]);
      await this.#write(tx, state, records);
      return { retried: revived, skipped };
    }, true);
  }

  async cancel(ids: string[]): Promise<CancelReport> {
    return await this.#tx(async (tx) => {
      const state = await loadSlice(tx, { jobs: ids, dependents: true });
      const { records, report } = planCancel(state, ids, this.#at());
      await this.#write(tx, state, records);
      return report;
    }, true);
  }

  async retry(target: RetryTarget): Promise<RetryReport> {
    return await this.#tx(async (tx) => {
      const all = !("ids" in target);
      const ids = all
        ? (await query(tx, `SELECT id FROM ${SCHEMA}.jobs WHERE state = $1 ORDER BY ord`, [
          target.state,
        ])).map((row) => row.id as string)
        : target.ids;
      if (ids.length === 0) return { retried: [], skipped: [] };
      const state = await loadSlice(tx, { jobs: ids, canceledBy: ids });
      const { records, revived, skipped } = planRetry(state, ids, this.#at(), undefined, all);
      await this.#write(tx, state, records);
      return { retried: revived, skipped };
    }, true);
  }

  async cancelRequests(workerId: string): Promise<string[]> {
    const rows = await this.#read((sql) =>
      query(
        sql,
        `SELECT id FROM ${SCHEMA}.jobs WHERE state = 'processing' AND worker_id = $1
           AND cancel_requested_at IS NOT NULL`,
        [workerId],
      )
    );
    return rows.map((row) => row.id as string);
  }

  /** A read outside any transaction, with the same error handling. */
  async #read<T>(query: (sql: Sql) => Promise<T>): Promise<T> {
    return await this.#tx((tx) => query(tx as unknown as Sql));
  }

  async getConfig(): Promise<Config> {
    return await this.#tx(async (tx) => ({ ...(await loadSlice(tx, {})).config }));
  }

  async setConfig(key: ConfigKey, value: Config[ConfigKey]): Promise<Config> {
    return await this.#tx(async (tx) => {
      const state = await loadSlice(tx, {});
      const records = state.config[key] === value ? [] : [configRecord(this.#at(), key, value)];
      await this.#write(tx, state, records);
      return { ...state.config };
    });
  }

  async getJob(id: string): Promise<Job> {
    return await this.#read(async (sql) =>
      this.#viewOf(await this.#jobIn(sql, id), await this.#dependentsOf(sql, id))
    );
  }

  async #jobIn(sql: Sql | TransactionSql, id: string): Promise<StoredJob> {
    const [row] = await query(sql, `SELECT * FROM ${SCHEMA}.jobs WHERE id = $1`, [id]);
    if (!row) throw new NotFoundError(`No job with id "${id}"`);
    return jobFromRow(row);
  }

  async #dependentsOf(sql: Sql | TransactionSql, id: string): Promise<string[]> {
    return (await query(
      sql,
      `SELECT id FROM ${SCHEMA}.jobs WHERE depends_on @> ARRAY[$1] ORDER BY ord`,
      [id],
    )).map((row) => row.id as string);
  }

  #viewOf(job: StoredJob, dependents: string[]): Job {
    return jobView(job, dependents);
  }

  async listJobs(filter: JobFilter = {}): Promise<Job[]> {
    const extra = filter as JobFilter & { search?: string; offset?: number };
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    if (filter.state !== undefined) where.push(`state = ${param(filter.state)}`);
    if (filter.queue !== undefined) where.push(`queue = ${param(filter.queue)}`);
    if (extra.search !== undefined && extra.search !== "") {
      const like = `%${extra.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push(`(id ILIKE ${param(like)} OR command ILIKE ${param(like)})`);
    }
    const limit = filter.limit === undefined ? "" : ` LIMIT ${param(filter.limit)}`;
    const offset = extra.offset ? ` OFFSET ${param(extra.offset)}` : "";
    const rows = await this.#read((sql) =>
      query(
        sql,
        `SELECT j.*, ARRAY(SELECT d.id FROM ${SCHEMA}.jobs d WHERE d.depends_on @> ARRAY[j.id]
           ORDER BY d.ord) AS dependents
         FROM ${SCHEMA}.jobs j ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
         ORDER BY ord DESC${limit}${offset}`,
        params as never[],
      )
    );
    return rows.map((row) => this.#viewOf(jobFromRow(row), (row.dependents as string[]) ?? []));
  }

  async countJobs(): Promise<JobCounts> {
    const rows = await this.#read((sql) =>
      query(sql, `SELECT state, count(*)::int AS n FROM ${SCHEMA}.jobs GROUP BY state`)
    );
    const counts = {} as JobCounts;
    for (const state of JOB_STATES) counts[state] = 0;
    counts.total = 0;
    for (const row of rows) {
      counts[row.state as JobState] = row.n;
      counts.total += row.n;
    }
    return counts;
  }

  async summary(): Promise<{ jobs: JobCounts; workers: WorkerEntry[]; queues: QueueView[] }> {
    return {
      jobs: await this.countJobs(),
      workers: await this.listWorkers(),
      queues: await this.listQueues(),
    };
  }

  async listWorkers(): Promise<WorkerEntry[]> {
    const rows = await this.#read((sql) =>
      query(
        sql,
        `SELECT w.*, ${WORKER_JOBS(SCHEMA)} FROM ${SCHEMA}.workers w ORDER BY w.started_at, w.id`,
      )
    );
    return rows.map(workerFromRow);
  }

  async nextDueTime(workerId?: string): Promise<number | undefined> {
    const rows = await this.#read(async (sql) => {
      const [worker] = workerId === undefined
        ? []
        : await query(sql, `SELECT queues FROM ${SCHEMA}.workers WHERE id = $1`, [workerId]);
      const served = (worker?.queues as string[] | null | undefined) ?? null;
      return await query(
        sql,
        `SELECT due_at AS due FROM ${SCHEMA}.jobs j
         WHERE state IN ('pending', 'failed') AND due_at > $1
           AND ($2::text[] IS NULL OR queue = ANY($2))
           AND NOT EXISTS (SELECT 1 FROM ${SCHEMA}.queues q WHERE q.name = j.queue AND q.paused)
         ORDER BY due_at LIMIT 1`,
        [this.#at(), served],
      );
    });
    const due = rows[0]?.due;
    return due ? new Date(due as string).getTime() : undefined;
  }

  async setQueue(name: string, change: QueueChange): Promise<QueueView> {
    await this.#tx(async (tx) => {
      const state = await loadSlice(tx, {});
      const settings = state.queues.get(name) ?? { paused: false, concurrency: 0 };
      const changed = (change.paused !== undefined && change.paused !== settings.paused) ||
        (change.concurrency !== undefined && change.concurrency !== settings.concurrency);
      await this.#write(
        tx,
        state,
        changed ? [queueSettingsRecord(this.#at(), name, { ...change })] : [],
      );
    });
    return (await this.listQueues()).find((queue) => queue.name === name)!;
  }

  async listQueues(): Promise<QueueView[]> {
    const [counts, settings] = await this.#read(async (sql) => [
      await query(
        sql,
        `SELECT queue, state, count(*)::int AS n FROM ${SCHEMA}.jobs GROUP BY queue, state`,
      ),
      await query(sql, `SELECT name, paused, concurrency FROM ${SCHEMA}.queues`),
    ]);
    const perQueue = new Map<string, Record<JobState, number>>();
    for (const row of counts) {
      let c = perQueue.get(row.queue);
      if (!c) {
        c = {} as Record<JobState, number>;
        for (const s of JOB_STATES) c[s] = 0;
        perQueue.set(row.queue, c);
      }
      c[row.state as JobState] = row.n;
    }
    const queueSettings = new Map(
      settings.map((row) => [row.name as string, {
        paused: row.paused === true,
        concurrency: Number(row.concurrency),
      }]),
    );
    return queueViews(perQueue, queueSettings);
  }

  async addSchedule(spec: ScheduleSpec, replace: boolean): Promise<ScheduleView> {
    checkScheduleName(spec.name);
    await this.#crons.get(spec.cron, spec.timezone);
    await this.#tx(async (tx) => {
      const state = await loadSlice(tx, { schedules: [spec.name] });
      if (state.schedules.has(spec.name) && !replace) {
        throw new ValidationError(
          `A schedule named "${spec.name}" exists; use --replace to replace it`,
        );
      }
      const record = scheduleRecord(this.#at(), spec.name, spec.cron, spec.timezone, spec.job);
      await this.#write(tx, state, [record]);
    }, true);
    return await this.#scheduleView(spec.name);
  }

  async removeSchedule(name: string): Promise<void> {
    await this.#tx(async (tx) => {
      const state = await loadSlice(tx, { schedules: [name] });
      if (!state.schedules.has(name)) throw new NotFoundError(`No schedule named "${name}"`);
      await this.#write(tx, state, [scheduleRemoveRecord(this.#at(), name)]);
    }, true);
  }

  async pauseSchedule(name: string, paused: boolean): Promise<ScheduleView> {
    await this.#tx(async (tx) => {
      const state = await loadSlice(tx, { schedules: [name] });
      const schedule = state.schedules.get(name);
      if (!schedule) throw new NotFoundError(`No schedule named "${name}"`);
      if (schedule.paused !== paused) {
        await this.#write(tx, state, [schedulePauseRecord(this.#at(), name, paused)]);
      }
    }, true);
    return await this.#scheduleView(name);
  }

  async listSchedules(): Promise<ScheduleView[]> {
    const rows = await this.#read((sql) =>
      query(sql, `SELECT * FROM ${SCHEMA}.schedules ORDER BY name`)
    );
    const views: ScheduleView[] = [];
    for (const row of rows) {
      views.push(await scheduleView(scheduleFromRow(row), this.#now(), this.#crons));
    }
    return views;
  }

  async #scheduleView(name: string): Promise<ScheduleView> {
    const [row] = await this.#read((sql) =>
      query(sql, `SELECT * FROM ${SCHEMA}.schedules WHERE name = $1`, [name])
    );
    if (!row) throw new NotFoundError(`No schedule named "${name}"`);
    return await scheduleView(scheduleFromRow(row), this.#now(), this.#crons);
  }

  async fireSchedules(): Promise<string[]> {
    const rows = await this.#read((sql) => query(sql, `SELECT * FROM ${SCHEMA}.schedules`));
    if (rows.length === 0) return [];
    const seen = { schedules: new Map(rows.map((r) => [r.name as string, scheduleFromRow(r)])) };
    if ((await dueTicks(seen as QueueState, this.#now(), this.#crons)).length === 0) return [];
    return await this.#tx(async (tx) => {
      const state = await loadSlice(tx, { schedules: true });
      const nowMs = this.#now();
      const at = new Date(nowMs).toISOString();
      const due = await dueTicks(state, nowMs, this.#crons);
      const ids = due.map(({ schedule, tickMs }) => tickJobId(schedule.name, tickMs));
      const existing = new Set(
        (await query(tx, `SELECT id FROM ${SCHEMA}.jobs WHERE id = ANY($1)`, [ids]))
          .map((row) => row.id as string),
      );
      const records: QueueRecord[] = [];
      const fired: string[] = [];
      for (const [i, { schedule, tickMs }] of due.entries()) {
        const id = ids[i]!;
        const tick = new Date(tickMs).toISOString();
        if (!existing.has(id)) {
          const input = { ...schedule.job, id, run_at: tick };
          const keys = input.unique_key === undefined ? [] : [input.unique_key];
          const slice = await loadSlice(tx, { keys });
          for (const [key, holder] of slice.uniqueKeys) state.uniqueKeys.set(key, holder);
          try {
            const plan = planEnqueue(
              state,
              [input],
              { cwd: schedule.job.cwd ?? "/" },
              at,
              () => id,
            );
            records.push(...plan.records);
            if (plan.records.length > 0) fired.push(id);
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error;
          }
        }
        records.push(tickRecord(at, schedule.name, tick, id));
      }
      await this.#write(tx, state, records);
      return fired;
    }, true);
  }

  async stats(range: { sinceMs: number; queue?: string }): Promise<StatsReport> {
    const nowMs = this.#now();
    const [minutes, samples] = await this.#read(async (sql) => [
      await query(
        sql,
        `SELECT minute, queue, ${SUMS} FROM ${SCHEMA}.counter_minutes
          WHERE minute > $1 AND minute <= $2 GROUP BY minute, queue`,
        [new Date(range.sinceMs - 60_000).toISOString(), new Date(nowMs).toISOString()],
      ),
      await query(
        sql,
        `SELECT * FROM ${SCHEMA}.run_samples WHERE at >= $1 AND at <= $2 ORDER BY id`,
        [new Date(range.sinceMs).toISOString(), new Date(nowMs).toISOString()],
      ),
    ]);
    const stats = emptyStats();
    for (const row of minutes) {
      const minute = new Date(row.minute as string).getTime();
      let perQueue = stats.minutes.get(minute);
      if (!perQueue) stats.minutes.set(minute, perQueue = new Map());
      perQueue.set(row.queue as string, countersOf(row));
    }
    for (const row of samples) {
      stats.samples.push({
        at: new Date(row.at as string).getTime(),
        queue: row.queue as string,
        runMs: Number(row.run_ms),
        waitMs: Number(row.wait_ms),
        outcome: row.outcome as "completed",
      });
    }
    return windowReport(stats, range.sinceMs, nowMs, range.queue);
  }

  async metrics(): Promise<QueueMetrics> {
    const nowIso = this.#at();
    const [totals, jobs, samples, latency, workers] = await this.#read(async (sql) => [
      await query(sql, `SELECT queue, ${SUMS} FROM ${SCHEMA}.counters GROUP BY queue`),
      await query(
        sql,
        `SELECT queue, state, count(*)::int AS n FROM ${SCHEMA}.jobs GROUP BY queue, state`,
      ),
      await query(
        sql,
        `SELECT * FROM (SELECT * FROM ${SCHEMA}.run_samples ORDER BY id DESC LIMIT ${SAMPLES_KEPT})
         s ORDER BY id`,
      ),
      await query(
        sql,
        `SELECT queue, extract(epoch FROM ($1::timestamptz - min(due_at)))::float8 AS age
         FROM ${SCHEMA}.jobs WHERE state IN ('pending', 'failed') AND due_at <= $1 GROUP BY queue`,
        [nowIso],
      ),
      await query(sql, `SELECT status, count(*)::int AS n FROM ${SCHEMA}.workers GROUP BY status`),
    ]);
    const metrics: QueueMetrics = {
      totals: {},
      jobs: {},
      samples: [],
      latency: {},
      workers: { running: 0, stopping: 0, stopped: 0, lost: 0 },
    };
    for (const row of totals) metrics.totals[row.queue as string] = countersOf(row);
    for (const row of jobs) {
      const perQueue = metrics.jobs[row.queue as string] ??= Object.fromEntries(
        JOB_STATES.map((s) => [s, 0]),
      );
      perQueue[row.state as string] = row.n;
    }
    for (const row of samples) {
      metrics.samples.push({
        at: new Date(row.at as string).getTime(),
        queue: row.queue as string,
        runMs: Number(row.run_ms),
        waitMs: Number(row.wait_ms),
        outcome: row.outcome as "completed",
      });
    }
    for (const queue of Object.keys(metrics.jobs)) metrics.latency[queue] = 0;
    for (const row of latency) metrics.latency[row.queue as string] = Math.max(0, Number(row.age));
    for (const row of workers) metrics.workers[row.status as string] = row.n;
    return metrics;
  }

  async compact(): Promise<CompactionSummary> {
    // What compaction is to the journal: completed jobs past retention go (with their logs),
    // and so do counts and samples past what is kept. Counters stay.
    return await this.#tx(async (tx) => {
      const state = await loadSlice(tx, {});
      const cutoff = new Date(this.#now() - state.config.retention * 1000).toISOString();
      const dropped = await query(
        tx,
        `DELETE FROM ${SCHEMA}.jobs WHERE state = 'completed' AND finished_at <= $1 RETURNING id`,
        [cutoff],
      );
      const ids = dropped.map((row) => row.id as string);
      if (ids.length > 0) {
        await query(tx, `DELETE FROM ${SCHEMA}.log_chunks WHERE job_id = ANY($1)`, [ids]);
      }
      await query(tx, `DELETE FROM ${SCHEMA}.counter_minutes WHERE minute <= $1`, [
        new Date(this.#now() - MINUTES_KEPT * 60_000).toISOString(),
      ]);
      await query(
        tx,
        `DELETE FROM ${SCHEMA}.run_samples WHERE id <= (SELECT id FROM ${SCHEMA}.run_samples
           ORDER BY id DESC OFFSET ${SAMPLES_KEPT} LIMIT 1)`,
      );
      const { n } = first(await query(tx, `SELECT count(*)::int AS n FROM ${SCHEMA}.jobs`));
      return { bytesBefore: 0, bytesAfter: 0, records: Number(n) };
    }, true);
  }

  /**
   * Calls `onChange` whenever any process changes the queue (`LISTEN`), so idle workers and
   * dashboards wake without polling.
   * @param onChange The callback.
   * @returns A handle to stop listening.
   */
  watch(onChange: () => void): StoreWatch {
    // Notifications sent while the connection was lost are not delivered: a worker still looks
    // again every few seconds (see `Worker`).
    let unlisten: (() => Promise<void>) | undefined;
    let closed = false;
    this.#sql.listen(CHANNEL, () => onChange()).then((listening) => {
      if (closed) listening.unlisten().catch(() => {});
      else unlisten = () => listening.unlisten();
    }, () => {});
    return {
      watching: true,
      close() {
        closed = true;
        unlisten?.().catch(() => {});
      },
    };
  }

  /**
   * What `doctor` says of a PostgreSQL store: where it is, its schema's version, its jobs.
   * @returns The findings; `problems` is empty when all is well.
   */
  async diagnose(): Promise<{
    where: string;
    schemaVersion: number;
    jobs: JobCounts;
    problems: string[];
  }> {
    const [meta] = await this.#read((sql) => query(sql, `SELECT version FROM ${SCHEMA}.meta`));
    const version = Number(meta?.version);
    const problems = version === MIGRATIONS.length
      ? []
      : [`schema version ${version}, this queuectl expects ${MIGRATIONS.length}`];
    return { where: this.#where(), schemaVersion: version, jobs: await this.countJobs(), problems };
  }

  async appendLog(jobId: string, run: number, offset: number, data: Uint8Array): Promise<void> {
    if (data.length === 0) return;
    const end = offset + data.length;
    const kept = data.subarray(Math.max(0, data.length - LOG_BYTES_KEPT));
    await this.#tx(async (tx) => {
      await query(
        tx,
        `INSERT INTO ${SCHEMA}.log_chunks (job_id, run, start, data) VALUES ($1, $2, $3, $4)
         ON CONFLICT (job_id, run, start) DO UPDATE SET data = $4`,
        [jobId, run, end - kept.length, kept],
      );
      // Chunks wholly before the kept window go.
      await query(
        tx,
        `DELETE FROM ${SCHEMA}.log_chunks
          WHERE job_id = $1 AND run = $2 AND start + length(data) <= $3`,
        [jobId, run, end - LOG_BYTES_KEPT],
      );
    });
  }

  async readLog(jobId: string, run: number, from = 0): Promise<StoredLog | undefined> {
    const rows = await this.#read((sql) =>
      query(
        sql,
        `SELECT start, data FROM ${SCHEMA}.log_chunks
          WHERE job_id = $1 AND run = $2 ORDER BY start`,
        [jobId, run],
      )
    );
    if (rows.length === 0) return undefined;
    const chunks = rows.map((row) => ({
      start: Number(row.start),
      data: new Uint8Array(row.data as Uint8Array),
    }));
    const size = Math.max(...chunks.map((chunk) => chunk.start + chunk.data.length));
    const start = Math.max(from, size - LOG_BYTES_KEPT, chunks[0]!.start);
    const data = new Uint8Array(Math.max(0, size - start));
    for (const chunk of chunks) {
      // Chunks may overlap (a resend): later bytes are the same bytes.
      const skip = Math.max(0, start - chunk.start);
      if (skip >= chunk.data.length) continue;
      data.set(chunk.data.subarray(skip), chunk.start + skip - start);
    }
    return { data, start, size };
  }

  async close(): Promise<void> {
    await this.#sql.end({ timeout: 5 }).catch(() => {});
  }
}

function isLive(worker: WorkerEntry): boolean {
  return worker.status === "running" || worker.status === "stopping";
}

function countersOf(row: Record<string, unknown>): Counters {
  return {
    enqueued: Number(row.enqueued),
    completed: Number(row.completed),
    failed: Number(row.failed),
    dead: Number(row.dead),
    canceled: Number(row.canceled),
  };
}

/** The one row of a query that always returns one. */
function first(rows: readonly Record<string, unknown>[]): Record<string, unknown> {
  return rows[0]!;
}

/**
 * A slice of the queue's state, loaded from PostgreSQL for one transaction: the rows an operation
 * decides on (under row locks), built into the same `QueueState` the journal store keeps, so the
 * same pure planners decide and the same reducer applies their records. What the records changed is
 * then written back, row by row.
 * @module
 */

import { CONFIG_KEYS, type ConfigKey, sanitizeStoredValue } from "../queue/config.ts";
import type { StoredJob } from "../queue/job.ts";
import type { QueueRecord } from "../queue/records.ts";
import { applyRecord } from "../queue/reducer.ts";
import { emptyQueueState, putJob, type QueueState } from "../queue/state.ts";
import { emptyStats } from "../queue/stats.ts";
import { query, type TransactionSql } from "./driver.ts";
import { JOB_COLUMNS, jobFromRow, jobRow, scheduleFromRow, workerFromRow } from "./rows.ts";
import { SCHEMA } from "./schema.ts";

/** What to load. */
export interface SliceSpec {
  /** Jobs by id, locked `FOR UPDATE`. */
  jobs?: Iterable<string>;
  /** Jobs by id, locked `FOR SHARE` (dependencies a new job names). */
  shared?: Iterable<string>;
  /** Also every job that depends on a loaded job, down the chain. */
  dependents?: boolean;
  /** Also the jobs canceled by the end of one of these (a retry brings them back). */
  canceledBy?: Iterable<string>;
  /** Also the jobs that hold these unique keys now. */
  keys?: Iterable<string>;
  /** Workers by id, locked. */
  workers?: Iterable<string>;
  /** Leave out workers whose row another transaction holds (a heartbeat in progress). */
  skipLockedWorkers?: boolean;
  /** Every worker. */
  allWorkers?: boolean;
  /** Schedules by name, locked (`true`: all of them). */
  schedules?: Iterable<string> | true;
}

/** A loaded slice: the state, and the jobs that existed when it was loaded. */
export interface Slice {
  state: QueueState;
}

/**
 * Loads a slice under the given locks.
 * @param tx The transaction.
 * @param spec What to load.
 * @returns The state of those rows (settings, queues and config always).
 */
export async function loadSlice(tx: TransactionSql, spec: SliceSpec): Promise<QueueState> {
  const state = emptyQueueState();
  for (const row of await query(tx, `SELECT key, value FROM ${SCHEMA}.config`)) {
    const key = row.key as ConfigKey;
    if (!CONFIG_KEYS.includes(key)) continue;
    (state.config as unknown as Record<string, unknown>)[key] = sanitizeStoredValue(key, row.value);
  }
  for (const row of await query(tx, `SELECT name, paused, concurrency FROM ${SCHEMA}.queues`)) {
    state.queues.set(row.name, { paused: row.paused, concurrency: Number(row.concurrency) });
  }
  const put = (rows: Record<string, unknown>[]) => {
    for (const row of rows) if (!state.jobs.has(row.id as string)) putJob(state, jobFromRow(row));
  };
  const locked = [...(spec.jobs ?? [])];
  if (locked.length > 0) {
    put(
      await query(tx, `SELECT * FROM ${SCHEMA}.jobs WHERE id = ANY($1) ORDER BY id FOR UPDATE`, [
        locked,
      ]),
    );
  }
  const shared = [...(spec.shared ?? [])];
  if (shared.length > 0) {
    put(
      await query(tx, `SELECT * FROM ${SCHEMA}.jobs WHERE id = ANY($1) ORDER BY id FOR SHARE`, [
        shared,
      ]),
    );
  }
  const canceledBy = [...(spec.canceledBy ?? [])];
  if (canceledBy.length > 0) {
    put(
      await query(
        tx,
        `SELECT * FROM ${SCHEMA}.jobs WHERE canceled_by = ANY($1) AND state = 'canceled'
         ORDER BY id FOR UPDATE`,
        [canceledBy],
      ),
    );
  }
  if (spec.dependents && state.jobs.size > 0) {
    put(
      await query(
        tx,
        `WITH RECURSIVE d(id) AS (
           SELECT j.id FROM ${SCHEMA}.jobs j WHERE j.depends_on && $1::text[]
           UNION
           SELECT j.id FROM ${SCHEMA}.jobs j JOIN d ON j.depends_on @> ARRAY[d.id]
         )
         SELECT * FROM ${SCHEMA}.jobs WHERE id = ANY(ARRAY(SELECT id FROM d)) ORDER BY id FOR UPDATE`,
        [[...state.jobs.keys()]],
      ),
    );
  }
  // The dependencies of what was loaded, for their states (is every one completed?).
  const missing = new Set<string>();
  for (const job of state.jobs.values()) {
    for (const dependency of job.depends_on) {
      if (!state.jobs.has(dependency)) missing.add(dependency);
    }
  }
  if (missing.size > 0) {
    put(await query(tx, `SELECT * FROM ${SCHEMA}.jobs WHERE id = ANY($1)`, [[...missing]]));
  }
  const keys = new Set(spec.keys ?? []);
  for (const job of state.jobs.values()) if (job.unique_key !== null) keys.add(job.unique_key);
  if (keys.size > 0) {
    put(
      await query(
        tx,
        `SELECT * FROM ${SCHEMA}.jobs WHERE unique_key = ANY($1)
           AND state NOT IN ('completed', 'dead', 'canceled')`,
        [[...keys]],
      ),
    );
  }
  const workers = [...(spec.workers ?? [])];
  if (spec.allWorkers || workers.length > 0) {
    const rows = spec.allWorkers
      ? await query(tx, `SELECT * FROM ${SCHEMA}.workers ORDER BY id FOR UPDATE`)
      : await query(
        tx,
        `SELECT * FROM ${SCHEMA}.workers WHERE id = ANY($1) ORDER BY id FOR UPDATE${
          spec.skipLockedWorkers ? " SKIP LOCKED" : ""
        }`,
        [workers],
      );
    for (const row of rows) state.workers.set(row.id as string, workerFromRow(row));
  }
  if (spec.schedules) {
    const rows = spec.schedules === true
      ? await query(tx, `SELECT * FROM ${SCHEMA}.schedules ORDER BY name FOR UPDATE`)
      : await query(
        tx,
        `SELECT * FROM ${SCHEMA}.schedules WHERE name = ANY($1) ORDER BY name FOR UPDATE`,
        [[...spec.schedules]],
      );
    for (const row of rows) state.schedules.set(row.name as string, scheduleFromRow(row));
  }
  return state;
}

/**
 * Applies records to a slice with the queue's reducer and writes back every row they touched:
 * jobs, workers, queue settings, config, schedules, ticks, and the counters they add up to.
 * Sequence numbers (leases, enqueue order) come from the database's sequence.
 * @param tx The transaction.
 * @param state The slice.
 * @param records The records, in order.
 * @returns The sequence number each record got.
 */
export async function applyRecords(
  tx: TransactionSql,
  state: QueueState,
  records: QueueRecord[],
): Promise<number[]> {
  if (records.length === 0) return [];
  const seqs =
    (await query(tx, `SELECT nextval('${SCHEMA}.seq')::float8 AS seq FROM generate_series(1, $1)`, [
      records.length,
    ])).map((row) => Number(row.seq));
  state.stats = emptyStats(); // what these records add to the counters
  const jobs = new Set<string>();
  const workers = new Set<string>();
  const queues = new Set<string>();
  const config = new Set<string>();
  const schedules = new Set<string>();
  const ticks: { name: string; tick: string; id: string }[] = [];
  records.forEach((record, i) => {
    // The job a worker record names is the worker's: it moves with claims and settles too.
    const before = "id" in record && typeof record.id === "string"
      ? state.jobs.get(record.id)?.worker_id
      : undefined;
    applyRecord(state, { ...record, seq: seqs[i]! } as never);
    switch (record.op) {
      case "config":
        config.add(record.key);
        break;
      case "queue":
        queues.add(record.name);
        break;
      case "schedule":
      case "schedule_pause":
      case "schedule_remove":
        schedules.add(record.name);
        break;
      case "tick":
        schedules.add(record.name);
        ticks.push({ name: record.name, tick: record.tick, id: record.id });
        break;
      case "worker":
      case "heartbeat":
      case "stop":
      case "exit":
      case "lost":
        workers.add(record.worker);
        break;
      case "claim":
        jobs.add(record.id);
        workers.add(record.worker);
        break;
      case "stats":
        break;
      default: {
        jobs.add(record.id);
        const worker = state.jobs.get(record.id)?.worker_id ?? before;
        if (worker) workers.add(worker);
      }
    }
  });
  const changed: StoredJob[] = [];
  for (const id of jobs) {
    const job = state.jobs.get(id);
    if (job) changed.push(job);
  }
  if (changed.length === 1) await upsertJob(tx, changed[0]!);
  else {
    for (let i = 0; i < changed.length; i += BATCH_ROWS) {
      await upsertJobs(tx, changed.slice(i, i + BATCH_ROWS));
    }
  }
  for (const id of workers) {
    const worker = state.workers.get(id);
    if (!worker) continue;
    await query(
      tx,
      `INSERT INTO ${SCHEMA}.workers
         (id, pid, host, pstart, status, started_at, heartbeat, job, queues, stop, ended_at, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (id) DO UPDATE SET pid = $2, host = $3, pstart = $4, status = $5,
         started_at = $6, heartbeat = $7, job = $8, queues = $9, stop = $10, ended_at = $11,
         reason = $12`,
      [
        worker.id,
        worker.pid,
        worker.host,
        worker.pstart,
        worker.status,
        worker.started_at,
        worker.heartbeat,
        worker.job,
        worker.queues,
        worker.stop,
        worker.ended_at,
        worker.reason,
      ],
    );
  }
  for (const name of queues) {
    const settings = state.queues.get(name);
    if (!settings) await query(tx, `DELETE FROM ${SCHEMA}.queues WHERE name = $1`, [name]);
    else {
      await query(
        tx,
        `INSERT INTO ${SCHEMA}.queues (name, paused, concurrency) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET paused = $2, concurrency = $3`,
        [name, settings.paused, settings.concurrency],
      );
    }
  }
  for (const key of config) {
    await query(
      tx,
      `INSERT INTO ${SCHEMA}.config (key, value) VALUES ($1, $2)
       ON CONFLICT (key) DO UPDATE SET value = $2`,
      [key, (state.config as unknown as Record<string, unknown>)[key]] as never[],
    );
  }
  for (const name of schedules) {
    const schedule = state.schedules.get(name);
    if (!schedule) {
      await query(tx, `DELETE FROM ${SCHEMA}.schedules WHERE name = $1`, [name]);
      continue;
    }
    await query(
      tx,
      `INSERT INTO ${SCHEMA}.schedules (name, cron, timezone, job, paused, since, last_run)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (name) DO UPDATE SET cron = $2, timezone = $3, job = $4, paused = $5,
         since = $6, last_run = $7`,
      [
        schedule.name,
        schedule.cron,
        schedule.timezone,
        schedule.job as never,
        schedule.paused,
        schedule.since,
        schedule.last_run,
      ],
    );
  }
  for (const { name, tick, id } of ticks) {
    await query(
      tx,
      `INSERT INTO ${SCHEMA}.schedule_ticks (name, tick, job_id) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING`,
      [name, tick, id],
    );
  }
  await addCounters(tx, state);
  return seqs;
}

async function upsertJob(tx: TransactionSql, job: StoredJob): Promise<void> {
  const row = jobRow(job);
  // JSON columns take the values themselves: the driver encodes them.
  const values = JOB_COLUMNS.map((column) => row[column]);
  const placeholders = JOB_COLUMNS.map((column, i) =>
    column === "env" || column === "history" ? `$${i + 1}::jsonb` : `$${i + 1}`
  );
  const updates = JOB_COLUMNS.slice(1).map((column) => `${column} = EXCLUDED.${column}`);
  await query(
    tx,
    `INSERT INTO ${SCHEMA}.jobs (${JOB_COLUMNS.join(", ")}) VALUES (${placeholders.join(", ")})
     ON CONFLICT (id) DO UPDATE SET ${updates.join(", ")}`,
    values as never[],
  );
}

/** Jobs written by one statement when many change at once (a batch enqueue, a cascade). */
const BATCH_ROWS = 1000;

/** Writes many jobs in one statement: their rows as one JSON array, read back as records. */
async function upsertJobs(tx: TransactionSql, jobs: StoredJob[]): Promise<void> {
  const columns = JOB_COLUMNS.join(", ");
  const updates = JOB_COLUMNS.slice(1).map((column) => `${column} = EXCLUDED.${column}`);
  await query(
    tx,
    `INSERT INTO ${SCHEMA}.jobs (${columns})
     SELECT ${columns} FROM jsonb_populate_recordset(NULL::${SCHEMA}.jobs, $1::jsonb)
     ON CONFLICT (id) DO UPDATE SET ${updates.join(", ")}`,
    [jobs.map(jobRow)] as never[],
  );
}

/** The counter shard of this connection: its server process, so concurrent settles differ. */
const SHARD = "(pg_backend_pid() % 16)";

/** Adds what the records counted (in `state.stats`, started empty) to the stored counters. */
async function addCounters(tx: TransactionSql, state: QueueState): Promise<void> {
  const { totals, minutes, samples } = state.stats;
  for (const [queue, c] of totals) {
    await query(
      tx,
      `INSERT INTO ${SCHEMA}.counters AS c
         (queue, shard, enqueued, completed, failed, dead, canceled)
       VALUES ($1, ${SHARD}, $2, $3, $4, $5, $6)
       ON CONFLICT (queue, shard) DO UPDATE SET enqueued = c.enqueued + $2,
         completed = c.completed + $3, failed = c.failed + $4, dead = c.dead + $5,
         canceled = c.canceled + $6`,
      [queue, c.enqueued, c.completed, c.failed, c.dead, c.canceled],
    );
  }
  for (const [minute, queues] of minutes) {
    for (const [queue, c] of queues) {
      await query(
        tx,
        `INSERT INTO ${SCHEMA}.counter_minutes AS m
           (minute, queue, shard, enqueued, completed, failed, dead, canceled)
         VALUES ($1, $2, ${SHARD}, $3, $4, $5, $6, $7)
         ON CONFLICT (minute, queue, shard) DO UPDATE SET enqueued = m.enqueued + $3,
           completed = m.completed + $4, failed = m.failed + $5, dead = m.dead + $6,
           canceled = m.canceled + $7`,
        [
          new Date(minute).toISOString(),
          queue,
          c.enqueued,
          c.completed,
          c.failed,
          c.dead,
          c.canceled,
        ],
      );
    }
  }
  for (const s of samples) {
    await query(
      tx,
      `INSERT INTO ${SCHEMA}.run_samples (at, queue, run_ms, wait_ms, outcome)
       VALUES ($1, $2, $3, $4, $5)`,
      [new Date(s.at).toISOString(), s.queue, s.runMs, s.waitMs, s.outcome],
    );
  }
}

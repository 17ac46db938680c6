/**
 * The PostgreSQL schema of a queue, created and migrated on first use under an advisory lock, and
 * versioned: each migration runs once, in order, in its own transaction.
 * @module
 */

import type { Sql } from "./driver.ts";

/** Every table lives in this schema of the database the URL names. */
export const SCHEMA = "queuectl";

/** The advisory lock key of migrations (any constant of our own). */
const MIGRATION_LOCK = 0x51_75_65_75; // "Queu"

/**
 * The migrations, oldest first. Never edit one that has shipped: add another.
 *
 * A job is one row; `ord` is its enqueue order and leases come from the `seq` sequence, so both
 * only grow. The claim indexes cover the claim order (priority, due, FIFO) of claimable jobs, per
 * queue (a worker of one queue) and across queues (a worker of every queue), so that a claim reads
 * one index entry however many jobs wait; `jobs_due` finds when the next one is due; the partial unique index on `unique_key` holds while a job is not finished. A run's
 * output is kept as the chunks its worker sent while it ran (`start` is the chunk's first byte in
 * the whole output), the oldest dropped past 1 MiB.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE SEQUENCE IF NOT EXISTS ${SCHEMA}.seq;
  CREATE TABLE ${SCHEMA}.jobs (
    id text PRIMARY KEY,
    queue text NOT NULL DEFAULT 'default',
    state text NOT NULL,
    command text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    runs integer NOT NULL DEFAULT 0,
    max_retries integer NOT NULL,
    priority integer NOT NULL DEFAULT 0,
    run_at timestamptz NOT NULL,
    due_at timestamptz NOT NULL,
    timeout double precision,
    cwd text NOT NULL,
    env jsonb,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    started_at timestamptz,
    finished_at timestamptz,
    next_run_at timestamptz,
    exit_code integer,
    last_error text,
    worker_id text,
    lease bigint,
    ord bigint NOT NULL,
    depends_on text[] NOT NULL DEFAULT '{}',
    unique_key text,
    canceled_by text,
    cancel_requested_at timestamptz,
    history jsonb NOT NULL DEFAULT '[]'
  );
  CREATE INDEX jobs_claim ON ${SCHEMA}.jobs (queue, priority DESC, due_at, ord)
    WHERE state IN ('pending', 'failed');
  CREATE INDEX jobs_claim_any ON ${SCHEMA}.jobs (priority DESC, due_at, ord)
    WHERE state IN ('pending', 'failed');
  CREATE INDEX jobs_due ON ${SCHEMA}.jobs (due_at) WHERE state IN ('pending', 'failed');
  CREATE INDEX jobs_state_ord ON ${SCHEMA}.jobs (state, ord DESC);
  CREATE INDEX jobs_ord ON ${SCHEMA}.jobs (ord DESC);
  CREATE INDEX jobs_depends_on ON ${SCHEMA}.jobs USING gin (depends_on);
  CREATE INDEX jobs_canceled_by ON ${SCHEMA}.jobs (canceled_by) WHERE canceled_by IS NOT NULL;
  CREATE INDEX jobs_processing ON ${SCHEMA}.jobs (worker_id) WHERE state = 'processing';
  CREATE UNIQUE INDEX jobs_unique_key ON ${SCHEMA}.jobs (unique_key)
    WHERE unique_key IS NOT NULL AND state NOT IN ('completed', 'dead', 'canceled');
  CREATE TABLE ${SCHEMA}.workers (
    id text PRIMARY KEY,
    pid integer NOT NULL,
    host text NOT NULL,
    pstart text,
    status text NOT NULL,
    started_at timestamptz NOT NULL,
    heartbeat timestamptz NOT NULL,
    job text,
    queues text[],
    stop text,
    ended_at timestamptz,
    reason text
  );
  CREATE TABLE ${SCHEMA}.queues (
    name text PRIMARY KEY,
    paused boolean NOT NULL DEFAULT false,
    concurrency integer NOT NULL DEFAULT 0
  );
  CREATE TABLE ${SCHEMA}.config (key text PRIMARY KEY, value jsonb NOT NULL);
  CREATE TABLE ${SCHEMA}.schedules (
    name text PRIMARY KEY,
    cron text NOT NULL,
    timezone text NOT NULL,
    job jsonb NOT NULL,
    paused boolean NOT NULL DEFAULT false,
    since timestamptz NOT NULL,
    last_run timestamptz
  );
  CREATE TABLE ${SCHEMA}.schedule_ticks (
    name text NOT NULL,
    tick timestamptz NOT NULL,
    job_id text NOT NULL,
    PRIMARY KEY (name, tick)
  );
  CREATE TABLE ${SCHEMA}.counters (
    queue text NOT NULL,
    shard smallint NOT NULL,
    enqueued bigint NOT NULL DEFAULT 0,
    completed bigint NOT NULL DEFAULT 0,
    failed bigint NOT NULL DEFAULT 0,
    dead bigint NOT NULL DEFAULT 0,
    canceled bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (queue, shard)
  );
  CREATE TABLE ${SCHEMA}.counter_minutes (
    minute timestamptz NOT NULL,
    queue text NOT NULL,
    shard smallint NOT NULL,
    enqueued bigint NOT NULL DEFAULT 0,
    completed bigint NOT NULL DEFAULT 0,
    failed bigint NOT NULL DEFAULT 0,
    dead bigint NOT NULL DEFAULT 0,
    canceled bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (minute, queue, shard)
  );
  CREATE TABLE ${SCHEMA}.run_samples (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL,
    queue text NOT NULL,
    run_ms double precision NOT NULL,
    wait_ms double precision NOT NULL,
    outcome text NOT NULL
  );
  CREATE TABLE ${SCHEMA}.log_chunks (
    job_id text NOT NULL,
    run integer NOT NULL,
    start bigint NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (job_id, run, start)
  );
  `,
];

/**
 * Creates the schema, or brings it up to date, once per database however many processes start
 * at once: under an advisory lock, each missing migration in its own transaction.
 * @param sql A connection.
 */
export async function migrate(sql: Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
    await tx.unsafe(
      `CREATE TABLE IF NOT EXISTS ${SCHEMA}.meta (version integer NOT NULL)`,
    );
    const [row] = await tx.unsafe(`SELECT version FROM ${SCHEMA}.meta`);
    let version = row ? Number(row.version) : 0;
    if (!row) await tx.unsafe(`INSERT INTO ${SCHEMA}.meta (version) VALUES (0)`);
    for (; version < MIGRATIONS.length; version++) {
      await tx.unsafe(MIGRATIONS[version]!);
      await tx.unsafe(`UPDATE ${SCHEMA}.meta SET version = ${version + 1}`);
    }
  });
}

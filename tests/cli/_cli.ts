/**
 * Test helper: queuectl as a user runs it, a separate process with the explicit permission flags,
 * plus the clean-up that stops any worker a test started.
 *
 * `withQueue` runs a test once per store of `storeKinds()` (tests/queue/_store.ts): the journal,
 * then PostgreSQL on a fresh database when the test server answers. `QUEUECTL_TEST_STORES=journal`
 * or `=postgres` runs one of them only; `postgres` named there but unreachable fails the tests.
 * Under PostgreSQL every `queuectl()` run for that home (or a folder in it) gets `QUEUECTL_STORE`,
 * and so do the workers it starts, so the test itself stays unchanged; tests that start queuectl
 * themselves add `storeEnv(home)`. `storeContents` and `openStoreOf` reach either store.
 * `withJournalQueue` is for tests of the journal's own files: it runs on the journal whatever
 * `QUEUECTL_TEST_STORES` says.
 * @module
 */

import { fileURLToPath } from "node:url";
import postgres from "npm:postgres@3.4.9";
import { PERMISSION_FLAGS } from "../../src/permissions.ts";
import { type Job, JournalQueueStore, type QueueStore } from "../../src/queue/mod.ts";
import { SCHEMA } from "../../src/postgres/schema.ts";
import { PostgresQueueStore } from "../../src/postgres/store.ts";
import { withDatabase } from "../_postgres.ts";
import { waitFor, withTempHome } from "../_temp_home.ts";
import { type StoreKind, storeKinds } from "../queue/_store.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));

/** What a run printed and returned. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of one run. */
export interface CliOptions {
  stdin?: string;
  cwd?: string;
  env?: Record<string, string>;
}

/**
 * Runs `queuectl --home <home> <args…>` to completion.
 * @param home The queue home.
 * @param args The arguments.
 * @param options Standard input, working directory, extra environment.
 * @returns Exit code and output.
 */
export async function queuectl(
  home: string,
  args: string[],
  options: CliOptions = {},
): Promise<CliResult> {
  const child = new Deno.Command(Deno.execPath(), {
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
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...storeEnv(home), ...(options.env ?? {}) },
    ...(options.cwd ? { cwd: options.cwd } : {}),
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  return {
    code,
    stdout: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
  };
}

/**
 * Runs queuectl and fails unless it exits 0.
 * @returns Its stdout.
 */
export async function ok(home: string, args: string[], options: CliOptions = {}): Promise<string> {
  const result = await queuectl(home, args, options);
  if (result.code !== 0) {
    throw new Error(`queuectl ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  }
  return result.stdout;
}

/** Runs queuectl with `--json` and parses stdout. */
export async function json<T = unknown>(home: string, args: string[]): Promise<T> {
  return JSON.parse(await ok(home, [...args, "--json"])) as T;
}

/** A job as `show --json` prints it: the public view. */
export type JobJson = Job;

/** A worker as `status --json` prints it. */
export interface WorkerJson {
  id: string;
  pid: number;
  status: string;
  job: string | null;
  jobs: string[];
}

/** The PostgreSQL database of each test's temp home under PostgreSQL. */
const databases = new Map<string, string>();

/** The database of a home: its test's, when it is that test's temp home or a folder in it. */
function databaseOf(home: string): string | undefined {
  for (const [dir, url] of databases) {
    if (home === dir || home.startsWith(`${dir}/`)) return url;
  }
  return undefined;
}

/**
 * The environment that points queuectl at the store of a test's home: `QUEUECTL_STORE` under
 * PostgreSQL, nothing for the journal. For tests that start queuectl themselves.
 * @param home The queue home.
 * @returns Variables to add to the child's environment.
 */
export function storeEnv(home: string): Record<string, string> {
  const url = databaseOf(home);
  return url === undefined ? {} : { QUEUECTL_STORE: url };
}

/**
 * Opens the store of a test's home in the test's own process, as another queuectl would: for
 * setting up what the CLI cannot make (a worker from long ago) or reading what it does not show.
 * @param home The queue home.
 * @param options A clock.
 * @returns The store; close it when done.
 */
export async function openStoreOf(
  home: string,
  options: { now?: () => number } = {},
): Promise<QueueStore> {
  const url = databaseOf(home);
  if (url === undefined) return await JournalQueueStore.open(home, options);
  return await PostgresQueueStore.open(url, { ...options, maxConnections: 2 });
}

/**
 * Everything the store of a test's home holds, to compare before and after a command that must
 * write nothing: the journal's bytes, or every row of every table (and the lease sequence) of the
 * database.
 * @param home The queue home.
 * @returns A value that changes with any write.
 */
export async function storeContents(home: string): Promise<string> {
  const url = databaseOf(home);
  if (url === undefined) {
    return new TextDecoder().decode(await Deno.readFile(`${home}/journal.jsonl`));
  }
  const reader = readers.get(url) ?? await openReader(url);
  const [row] = await reader.sql.unsafe(reader.query);
  return JSON.stringify(row!.contents);
}

/** A connection to a test's database and the one query that reads all of it. */
interface DatabaseReader {
  sql: postgres.Sql;
  query: string;
}

/** Readers for {@linkcode storeContents}, one per test database, closed when its test ends. */
const readers = new Map<string, DatabaseReader>();

async function openReader(url: string): Promise<DatabaseReader> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const tables = await sql<{ name: string }[]>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = ${SCHEMA} ORDER BY table_name`;
  const parts = tables.map(({ name }) =>
    `'${name}', (SELECT coalesce(json_agg(t ORDER BY t::text), '[]') FROM ${SCHEMA}.${name} t)`
  );
  const sequence = "json_build_object('last_value', last_value, 'is_called', is_called)";
  parts.push(`'seq', (SELECT ${sequence} FROM ${SCHEMA}.seq)`);
  const reader = { sql, query: `SELECT json_build_object(${parts.join(", ")}) AS contents` };
  readers.set(url, reader);
  return reader;
}

/**
 * Runs a test once per store (the journal, then PostgreSQL when available), each on a new temp
 * home (and database); afterwards kills any worker still running there, so no test leaves
 * processes behind even when it fails. A failure names the store.
 * @param body The test.
 */
export async function withQueue(body: (home: string) => Promise<void>): Promise<void> {
  for (const kind of await storeKinds()) {
    try {
      await withQueueOf(kind, body);
    } catch (error) {
      if (error instanceof Error) error.message = `[${kind} store] ${error.message}`;
      throw error;
    }
  }
}

/**
 * Runs a test on the journal store only: a test of the journal's own files (their bytes, doctor,
 * compaction, the lock, the home's trust).
 * @param body The test.
 */
export function withJournalQueue(body: (home: string) => Promise<void>): Promise<void> {
  return withQueueOf("journal", body);
}

/**
 * Runs a test on one store. Under PostgreSQL, queuectl must leave the journal alone: a journal
 * (or its lock file) in the home afterwards fails the test.
 * @param kind Which store.
 * @param body The test.
 */
export function withQueueOf(kind: StoreKind, body: (home: string) => Promise<void>): Promise<void> {
  return withTempHome(async (home) => {
    if (kind === "journal") {
      try {
        await body(home);
      } finally {
        await stopAllWorkers(home);
      }
      return;
    }
    await withDatabase(async (url) => {
      databases.set(home, url);
      try {
        await body(home);
      } finally {
        try {
          await stopAllWorkers(home);
        } finally {
          databases.delete(home);
          await readers.get(url)?.sql.end({ timeout: 1 });
          readers.delete(url);
        }
      }
      const journal = await findJournal(home);
      if (journal !== undefined) {
        throw new Error(`queuectl wrote ${journal} although the store is PostgreSQL`);
      }
    });
  });
}

/** The first file of the journal store (the journal, its lock) in `dir` or below, if any. */
async function findJournal(dir: string): Promise<string | undefined> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isFile && (entry.name === "journal.jsonl" || entry.name === "queue.lock")) {
      return path;
    }
    if (entry.isDirectory) {
      const found = await findJournal(path);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * Kills every worker of a home that still runs (SIGKILL: a clean-up, not a test of stopping).
 * @param home The queue home.
 * @param options Extra environment, e.g. `QUEUECTL_STORE` for a test that chooses the store itself.
 */
export async function stopAllWorkers(home: string, options: CliOptions = {}): Promise<void> {
  const status = await queuectl(home, ["status", "--json"], options);
  if (status.code !== 0) return;
  const workers = (JSON.parse(status.stdout) as { workers: WorkerJson[] }).workers;
  for (const worker of workers) {
    if (worker.status !== "running" && worker.status !== "stopping") continue;
    try {
      Deno.kill(worker.pid, "SIGKILL");
    } catch {
      // Gone already.
    }
  }
}

/**
 * Waits until a job satisfies `predicate`, polling `show --json`.
 * @returns The job.
 */
export function waitForJob(
  home: string,
  id: string,
  predicate: (job: JobJson) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<JobJson> {
  return waitFor(what, async () => {
    const job = await json<JobJson>(home, ["show", id]);
    return predicate(job) ? job : undefined;
  }, timeoutMs);
}

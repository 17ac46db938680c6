/**
 * Test helper: a store on a fresh temporary home (and, when PostgreSQL is there, a fresh database)
 * with a hand-driven clock. `withStore` runs a test against every store: the journal and
 * PostgreSQL, the same test unchanged (a conformance suite). `QUEUECTL_TEST_STORES=journal` (or
 * `=postgres`, or `journal,postgres`) runs it against those only; PostgreSQL named there must be
 * reachable, or every test that asks fails. The CLI tests (tests/cli/_cli.ts) follow the same list.
 * @module
 */

import { ValidationError } from "../../src/errors.ts";
import { JournalQueueStore, type QueueStore } from "../../src/queue/mod.ts";
import { PostgresQueueStore } from "../../src/postgres/store.ts";
import { postgresAvailable, withDatabase } from "../_postgres.ts";
import { withTempHome } from "../_temp_home.ts";

/** A clock tests move by hand. */
export interface FakeClock {
  now: () => number;
  advance: (seconds: number) => void;
}

/** Starts a fake clock at a fixed instant. */
export function fakeClock(start = Date.parse("2026-01-01T00:00:00.000Z")): FakeClock {
  let t = start;
  return { now: () => t, advance: (seconds) => (t += seconds * 1000) };
}

/** Opens another handle on the same store, as another process would, on the same clock. */
export type Reopen = () => Promise<QueueStore>;

/** The stores every conformance test runs against. */
export type StoreKind = "journal" | "postgres";

/**
 * Runs `body` with a store and a fake clock, once per store of {@linkcode storeKinds} (the
 * journal, then PostgreSQL when a server is reachable); closes and removes everything afterwards.
 * A failure names the store.
 * @param body The test: the store, the clock, the home (for files such as logs), and `reopen`.
 */
export async function withStore(
  body: (store: QueueStore, clock: FakeClock, home: string, reopen: Reopen) => Promise<void>,
): Promise<void> {
  for (const kind of await storeKinds()) {
    try {
      await withStoreOf(kind, body);
    } catch (error) {
      if (error instanceof Error) error.message = `[${kind} store] ${error.message}`;
      throw error;
    }
  }
}

const STORE_KINDS: readonly StoreKind[] = ["journal", "postgres"];

/**
 * The stores tests run against. `QUEUECTL_TEST_STORES` (a comma list: `journal`, `postgres`)
 * chooses; without it, the journal always and PostgreSQL when its test server answers. PostgreSQL
 * asked for by name but unreachable is an error, not a skip.
 * @returns The stores, the journal first.
 * @throws {Error} for an unknown store name, or PostgreSQL asked for and not reachable.
 */
export async function storeKinds(): Promise<StoreKind[]> {
  const asked = Deno.env.get("QUEUECTL_TEST_STORES")?.split(",").map((name) => name.trim())
    .filter((name) => name !== "");
  if (asked === undefined || asked.length === 0) {
    return (await postgresAvailable()) ? ["journal", "postgres"] : ["journal"];
  }
  for (const name of asked) {
    if (!STORE_KINDS.includes(name as StoreKind)) {
      throw new Error(
        `QUEUECTL_TEST_STORES names "${name}": the stores are ${STORE_KINDS.join(", ")}`,
      );
    }
  }
  if (asked.includes("postgres") && !(await postgresAvailable())) {
    throw new Error(
      "QUEUECTL_TEST_STORES asks for postgres, but the PostgreSQL test server does not answer " +
        "(QUEUECTL_TEST_PG, or postgres://queuectl:queuectl@127.0.0.1:5432/postgres; .ci/run starts it)",
    );
  }
  return STORE_KINDS.filter((kind) => asked.includes(kind));
}

/**
 * Runs `body` with one kind of store.
 * @param kind Which store.
 * @param body The test.
 */
export function withStoreOf(
  kind: StoreKind,
  body: (store: QueueStore, clock: FakeClock, home: string, reopen: Reopen) => Promise<void>,
): Promise<void> {
  return withTempHome(async (home) => {
    const clock = fakeClock();
    if (kind === "journal") {
      const opened: QueueStore[] = [];
      const reopen = async () => {
        const store = await JournalQueueStore.open(home, { now: clock.now });
        opened.push(store);
        return store;
      };
      const store = await reopen();
      try {
        await body(store, clock, home, reopen);
      } finally {
        for (const s of opened) await s.close().catch(() => {});
      }
      return;
    }
    await withDatabase(async (url) => {
      const opened: QueueStore[] = [];
      const reopen = async () => {
        const store = await PostgresQueueStore.open(url, { now: clock.now, maxConnections: 2 });
        opened.push(store);
        return store;
      };
      const store = await reopen();
      try {
        await body(store, clock, home, reopen);
      } finally {
        for (const s of opened) await s.close().catch(() => {});
      }
    });
  });
}

/**
 * Runs `body` with a journal store only (a test of the journal's own behaviour).
 * @param body The test.
 */
export function withJournalStore(
  body: (store: JournalQueueStore, clock: FakeClock, home: string) => Promise<void>,
): Promise<void> {
  return withTempHome(async (home) => {
    const clock = fakeClock();
    const store = await JournalQueueStore.open(home, { now: clock.now });
    try {
      await body(store, clock, home);
    } finally {
      await store.close();
    }
  });
}

/** A run result for a clean exit. */
export const SUCCESS = { exitCode: 0, signal: null, timedOut: false, error: null } as const;

/** A run result for exit code `code`. */
export function failure(code = 1) {
  return { exitCode: code, signal: null, timedOut: false, error: `exit code ${code}` };
}

/**
 * One random workflow operation, as users make them: an enqueue with dependencies or a unique key,
 * a cancel, or a retry. Refusals (a dependency already dead, a job already finished) are part of
 * the game and change nothing.
 * @param store The store.
 * @param random A seeded random source.
 * @param step A number for new job names.
 */
export async function randomWorkflowOp(
  store: QueueStore,
  random: () => number,
  step: number,
): Promise<void> {
  const jobs = await store.listJobs();
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
  const r = random();
  try {
    if (r < 0.4) {
      const dependencies = new Set<string>();
      for (let n = Math.floor(random() * 3); n > 0 && jobs.length > 0; n--) {
        dependencies.add(pick(jobs)!.id);
      }
      await store.enqueue([{
        id: `wf-${step}`,
        command: `echo ${step}`,
        max_retries: Math.floor(random() * 2),
        ...(dependencies.size > 0 ? { depends_on: [...dependencies] } : {}),
        ...(random() < 0.3 ? { unique_key: `key-${Math.floor(random() * 4)}` } : {}),
        ...(random() < 0.5 ? { queue: pick(["default", "a", "b"])! } : {}),
      }], { cwd: "/tmp" });
    } else if (r < 0.5) {
      const queue = pick(["default", "a", "b"])!;
      await store.setQueue(
        queue,
        random() < 0.5 ? { paused: random() < 0.3 } : { concurrency: Math.floor(random() * 3) },
      );
    } else if (r < 0.75) {
      const open = jobs.filter((j) => !["completed", "dead", "canceled"].includes(j.state));
      if (open.length > 0) await store.cancel([pick(open)!.id]);
    } else {
      const ended = jobs.filter((j) => ["completed", "dead", "canceled"].includes(j.state));
      if (ended.length > 0) await store.retry({ ids: [pick(ended)!.id] });
    }
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
  }
}

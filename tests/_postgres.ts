/**
 * Test helper: a fresh PostgreSQL database per test, on the server `.ci/run` starts. The admin URL
 * comes from `QUEUECTL_TEST_PG` (default `postgres://queuectl:queuectl@127.0.0.1:5432/postgres`);
 * without a reachable server, PostgreSQL tests are skipped visibly.
 * @module
 */

import postgres from "npm:postgres@3.4.9";

const ADMIN_URL = Deno.env.get("QUEUECTL_TEST_PG") ??
  "postgres://queuectl:queuectl@127.0.0.1:5432/postgres";

let reachable: Promise<boolean> | undefined;

/**
 * Whether the test server answers (asked once per process).
 * @returns `true` when PostgreSQL tests can run.
 */
export function postgresAvailable(): Promise<boolean> {
  reachable ??= (async () => {
    const sql = postgres(ADMIN_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
    try {
      await sql`SELECT 1`;
      return true;
    } catch {
      return false;
    } finally {
      await sql.end({ timeout: 1 }).catch(() => {});
    }
  })();
  return reachable;
}

/**
 * Runs `body` with the URL of a new, empty database, dropped afterwards.
 * @param body The test.
 * @returns What `body` returns.
 */
export async function withDatabase<T>(body: (url: string) => Promise<T>): Promise<T> {
  const name = `queuectl_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
    const url = new URL(ADMIN_URL);
    url.pathname = `/${name}`;
    try {
      return await body(url.toString());
    } finally {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    }
  } finally {
    await admin.end({ timeout: 1 }).catch(() => {});
  }
}

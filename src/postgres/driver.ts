/**
 * The PostgreSQL driver (npm `postgres`, porsager's), loaded only when the store is PostgreSQL,
 * and what its errors mean to a user: a bad URL, a wrong password or an unreachable server is one
 * line, exit 1, without a stack.
 * @module
 */

import { QueueError, StoreUnavailableError } from "../errors.ts";
import type { DatabaseAddress } from "./database_url.ts";

import type postgres from "npm:postgres@3.4.9";

/** A connection pool. */
// deno-lint-ignore ban-types
export type Sql = postgres.Sql<{}>;
/** A transaction's handle. */
// deno-lint-ignore ban-types
export type TransactionSql = postgres.TransactionSql<{}>;

/**
 * Runs one statement, prepared: parsed once per connection, then one round trip each time. (The
 * driver's `unsafe` otherwise first asks the server for the parameters' types: two round trips.)
 * @param sql A pool or a transaction.
 * @param text The statement, with `$1`… for its parameters.
 * @param params The parameters.
 * @returns The rows.
 */
export function query(
  sql: Sql | TransactionSql,
  text: string,
  params: readonly unknown[] = [],
): postgres.PendingQuery<postgres.Row[]> {
  return sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true });
}

let loading: Promise<typeof postgres> | undefined;

/** How long the server lets a session sit idle inside a transaction before it ends it. */
export const IDLE_IN_TRANSACTION_MS = 5000;

/**
 * Opens a pool to the database (the driver is loaded here, on first use).
 * Requires `--allow-net` to the database's host and port.
 * @param address The database.
 * @param options `max` connections.
 * @returns The pool.
 */
export async function connect(
  address: DatabaseAddress,
  options: { max?: number } = {},
): Promise<Sql> {
  // The full specifier: the installed bundle runs without deno.json.
  loading ??= import("npm:postgres@3.4.9").then((module) =>
    ((module as { default?: typeof postgres }).default ?? module) as typeof postgres
  );
  const open = await loading;
  // Every setting the driver would otherwise look up in PG* environment variables is given here
  // (a URL's own query, such as sslmode, still wins): queuectl reads no environment it does not
  // list in its permissions (only PGAPPNAME and PGTARGETSESSIONATTRS, which the driver always reads).
  const query = new URL(address.url).searchParams;
  const given = (key: string, value: unknown) =>
    query.has(key) || (key === "ssl" && query.has("sslmode")) ? {} : { [key]: value };
  // The port and password too: the driver reads PGPORT and PGPASSWORD when the URL has none
  // (a password given as a function is asked for only if the server wants one). Host and port
  // go as lists, the driver's own form: from a string it would cut an IPv6 address at its colons.
  const password = decodeURIComponent(new URL(address.url).password);
  return open(address.url, {
    host: [address.host],
    port: [address.port],
    pass: password === "" ? () => "" : password,
    max: options.max ?? 4,
    connect_timeout: 10,
    idle_timeout: 60,
    max_lifetime: 30 * 60,
    max_pipeline: 100,
    keep_alive: 60,
    backoff: (attempt: number) => Math.min(2, 0.1 * 2 ** attempt),
    prepare: true,
    debug: false,
    fetch_types: true,
    publications: "alltables",
    ...given("ssl", false),
    ...given("sslnegotiation", null),
    ...given("target_session_attrs", null),
    onnotice: () => {},
    transform: { undefined: null },
    // A client frozen inside a transaction (SIGSTOP, a paused VM, a cut network) must not hold
    // its locks for long: every machine's recovery, enqueues and cancels would wait on them. No
    // transaction of queuectl idles between its statements for more than milliseconds.
    // No JIT: its compile time (100 ms and more) dwarfs any statement queuectl runs.
    connection: { idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS, jit: "off" },
  } as never);
}

/**
 * What a driver error means, in one line. Connection and authentication problems name the
 * database (without its password); the rest keeps the server's message.
 * @param error What the driver threw.
 * @param address The database.
 * @returns A queuectl error (exit 1) or the error itself if it is one already.
 */
export function describeDatabaseError(error: unknown, address: DatabaseAddress): Error {
  if (error instanceof QueueError) return error;
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const where = `${address.host}:${address.port}/${address.database}`;
  if (code === "28P01" || code === "28000") {
    return new QueueError(
      `Cannot log in to PostgreSQL at ${where} as "${address.user}": ${message}`,
    );
  }
  if (code === "3D000") return new QueueError(`PostgreSQL at ${where}: ${message}`);
  if (
    code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EHOSTUNREACH" ||
    code === "CONNECT_TIMEOUT" || code === "ETIMEDOUT" || code === "EAI_AGAIN"
  ) {
    return new StoreUnavailableError(`Cannot reach PostgreSQL at ${where}: ${message}`);
  }
  if (isConnectionError(error)) {
    return new StoreUnavailableError(`Lost the connection to PostgreSQL at ${where}: ${message}`);
  }
  return new QueueError(`PostgreSQL at ${where}: ${message}`, { cause: error });
}

/**
 * Whether an error is the connection's (worth trying again after a pause), not the query's.
 * @param error What the driver threw.
 * @returns `true` for a lost or refused connection, or a server shutting down.
 */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === "ECONNREFUSED" || code === "ECONNRESET" || code === "CONNECTION_CLOSED" ||
    code === "CONNECTION_ENDED" || code === "CONNECTION_DESTROYED" || code === "CONNECT_TIMEOUT" ||
    code === "57P01" || code === "57P02" || code === "57P03" || code === "08006" ||
    code === "08001" || code === "08003" || code === "EPIPE";
}

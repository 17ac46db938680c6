/**
 * A PostgreSQL store's URL read into its parts, apart from the driver: every command checks a
 * `--store` it is given before it runs, and only a command that uses the store loads the driver.
 * @module
 */

import { ValidationError } from "../errors.ts";

/** Where a store's database is, read from its URL. */
export interface DatabaseAddress {
  url: string;
  host: string;
  port: number;
  database: string;
  user: string;
}

/**
 * Whether a store URL names PostgreSQL.
 * @param url `--store` or `QUEUECTL_STORE`.
 * @returns `true` for `postgres://` and `postgresql://`.
 */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * Reads a PostgreSQL URL.
 * @param url e.g. `postgres://user:password@127.0.0.1:5432/queue`.
 * @returns Its parts.
 * @throws {ValidationError} for anything that is not such a URL.
 */
export function parseDatabaseUrl(url: string): DatabaseAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError(`Store URL "${redact(url)}" is not a URL`);
  }
  if (!isPostgresUrl(url)) {
    throw new ValidationError(`Store URL "${redact(url)}" must start with postgres://`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ""));
  // Without a user the driver would ask the system for one, which queuectl has no permission for.
  if (parsed.hostname === "" || database === "" || parsed.username === "") {
    throw new ValidationError(
      `Store URL "${
        redact(url)
      }" needs a user, a host and a database: postgres://user:password@host:port/database`,
    );
  }
  return {
    url,
    host: parsed.hostname.replace(/^\[|\]$/g, ""),
    port: parsed.port === "" ? 5432 : Number(parsed.port),
    database,
    user: decodeURIComponent(parsed.username),
  };
}

/**
 * A URL with its password hidden, for messages.
 * @param url The URL.
 * @returns The same URL with `***` for the password.
 */
export function redact(url: string): string {
  return url.replace(/^(\w+:\/\/[^:/@]*:)[^@]*@/, "$1***@");
}

/**
 * Which store a command uses — `--store URL` > `QUEUECTL_STORE` > the journal in the queue home —
 * and opening it. The PostgreSQL store's code (and its driver) is loaded only when it is chosen.
 * @module
 */

import { ValidationError } from "./errors.ts";
import { parseDatabaseUrl } from "./postgres/database_url.ts";
import type { StoreOptions } from "./queue/journal_store.ts";
import type { QueueStore } from "./queue/store.ts";

/**
 * The store URL in effect.
 * @param flag `--store`, if given.
 * @returns A PostgreSQL URL, or `undefined` for the journal.
 * @throws {ValidationError} for a store URL queuectl does not know, or a malformed one.
 */
export function storeUrl(flag: string | undefined): string | undefined {
  let url = flag;
  if (url === undefined) {
    try {
      url = Deno.env.get("QUEUECTL_STORE") || undefined;
    } catch {
      url = undefined;
    }
  }
  if (url === undefined) return undefined;
  if (!/^postgres(ql)?:\/\//i.test(url)) {
    throw new ValidationError(
      `Store "${
        url.replace(/:[^:@/]*@/, ":***@")
      }" is not one queuectl knows: use postgres://user:password@host:port/database, or no --store for the journal`,
    );
  }
  parseDatabaseUrl(url); // a malformed URL is a usage error here, before anything connects
  return url;
}

/**
 * Opens the store: PostgreSQL when `url` is given, else the journal in `home`.
 * @param home The queue home (the journal, and local files such as logs).
 * @param url A PostgreSQL URL, or `undefined`.
 * @param options Warnings and lock waits (the journal), warnings (PostgreSQL).
 * @returns The store; close it when done.
 */
export async function openStore(
  home: string,
  url: string | undefined,
  options: Pick<StoreOptions, "onWarning" | "onLockWait"> = {},
): Promise<QueueStore> {
  if (url === undefined) {
    // Loaded here, not up front: the CLI's enqueue mostly does without it.
    const { JournalQueueStore } = await import("./queue/journal_store.ts");
    return await JournalQueueStore.open(home, options);
  }
  const { PostgresQueueStore } = await import("./postgres/store.ts");
  return await PostgresQueueStore.open(url, {
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
  });
}

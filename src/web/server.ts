/**
 * Serves the dashboard on an address until told to stop: opens the queue, watches its journal
 * (one watcher for every page), listens, and on stop ends the live streams, lets requests in
 * flight finish and closes the queue. Requires `--allow-net` for the address, besides queuectl's
 * own permissions.
 * @module
 */

import { QueueError } from "../errors.ts";
import { openStore } from "../open_store.ts";
import { Dashboard } from "./app.ts";
import { dashboardUrl, hostPort } from "./listen_address.ts";

/** How to serve. */
export interface ServeOptions {
  home: string;
  /** A PostgreSQL store, or `undefined` for the journal in the home. */
  storeUrl?: string | undefined;
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  /** The access token, or `undefined` for none (loopback only). */
  token: string | undefined;
  /** Told the address once the dashboard listens. */
  onListen: (address: { url: string; hostname: string; port: number }) => void;
  /** Aborting it stops the dashboard. */
  signal: AbortSignal;
}

/**
 * Serves until `signal` is aborted.
 * @param options Home, address, token, and what to do once listening.
 */
export async function serveDashboard(options: ServeOptions): Promise<void> {
  const { home, hostname, token, signal } = options;
  const store = await openStore(home, options.storeUrl);
  try {
    const dashboard = await Dashboard.create({
      store,
      home,
      token,
      source: (onChange) => store.watch(onChange),
    });
    let server: Deno.HttpServer<Deno.NetAddr>;
    try {
      server = Deno.serve({
        hostname,
        port: options.port,
        onListen: () => {},
        onError: (error) => {
          // deno-lint-ignore no-console
          console.error(`queuectl dashboard: ${error}`);
          return new Response("The dashboard could not answer", { status: 500 });
        },
      }, (request) => dashboard.handle(request));
    } catch (error) {
      await dashboard.close();
      throw listenError(error, hostPort(hostname, options.port));
    }
    const port = server.addr.port;
    dashboard.listening(hostname, port);
    options.onListen({ url: dashboardUrl(hostname, port), hostname, port });
    if (!signal.aborted) {
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    }
    // Live streams never end by themselves: end them first, then let the rest finish.
    await dashboard.close();
    await server.shutdown();
  } finally {
    await store.close();
  }
}

function listenError(error: unknown, address: string): unknown {
  if (error instanceof Deno.errors.AddrInUse) {
    return new QueueError(
      `Cannot listen on ${address}: the address is in use (pick another with --listen)`,
    );
  }
  if (error instanceof Deno.errors.AddrNotAvailable) {
    return new QueueError(
      `Cannot listen on ${address}: no interface of this machine has that address`,
    );
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return new QueueError(
      `Cannot listen on ${address}: permission denied (ports below 1024 need privileges)`,
    );
  }
  return error;
}

/**
 * `queuectl dashboard [--listen HOST:PORT] [--token T]`: the web dashboard. queuectl runs without
 * network permission; this command starts queuectl again with the same flags plus
 * `--allow-net=HOST:PORT` (that address only), as the hidden `dashboard serve`, and stays in front
 * of it: Ctrl-C or SIGTERM stops it, and if this process dies the server notices (its standard
 * input closes) and stops too. The dashboard's code (`src/web/`) is loaded only here.
 * @module
 */

import { QueueError, ValidationError } from "../errors.ts";
import { isDenoRuntime, selfCommand } from "../worker/self_command.ts";
import type { CommandContext, CommandSpec, OptionValues } from "./command.ts";

/** What `dashboard` hands to `dashboard serve`, on its standard input (never in its argv). */
interface ServeSettings {
  token: string | null;
  generated: boolean;
}

const DETAILS = `Pages: overview, jobs, a job (with its output, live), dead letter queue, workers,
queues, schedules; they update themselves as the queue changes. Also /metrics (Prometheus), /api/…
(the --json shapes) and /healthz. Every asset is served by queuectl: it works offline.
Security: on a loopback address (the default) no token is needed. On any other address every
request must carry the access token, as "Authorization: Bearer T" or once as "?token=T" (which
sets a cookie); without --token one is generated and printed. Changes are POSTs from the
dashboard's own pages (origin and CSRF token checked); no GET changes anything.
Examples:
  queuectl dashboard
  queuectl dashboard --listen 127.0.0.1:8080
  queuectl dashboard --listen 0.0.0.0:7070 --token "$(openssl rand -hex 24)"`;

const OPTIONS = {
  listen: {
    type: "string" as const,
    value: "HOST:PORT",
    help: "where to listen (default 127.0.0.1:7070; port 0 picks a free one)",
  },
  token: {
    type: "string" as const,
    value: "T",
    help: "access token every request must carry (off loopback: required, else generated)",
  },
};

async function settingsFrom(options: OptionValues) {
  const { DEFAULT_LISTEN, hostPort, parseListenAddress } = await import(
    "../web/listen_address.ts"
  );
  const { isValidToken, newToken } = await import("../web/auth.ts");
  const address = parseListenAddress((options.listen as string | undefined) ?? DEFAULT_LISTEN);
  let token = options.token as string | undefined;
  if (token !== undefined && !isValidToken(token)) {
    throw new ValidationError(
      "Option --token must be 16-512 characters of A-Z a-z 0-9 . _ ~ + / = -",
    );
  }
  const generated = token === undefined && !address.loopback;
  if (generated) token = newToken();
  return { address, token, generated, net: hostPort(address.hostname, address.port) };
}

export const dashboardCommand: CommandSpec = {
  name: ["dashboard"],
  summary: "serve the web dashboard, /metrics and /api/… (default 127.0.0.1:7070); prints its URL",
  details: DETAILS,
  options: OPTIONS,
  positionals: [0, 0],
  async run(context, _args, options) {
    const { address, token, generated, net } = await settingsFrom(options);
    const settings: ServeSettings = { token: token ?? null, generated };
    const granted = await Deno.permissions.query({ name: "net", host: net });
    if (granted.state === "granted") {
      // Already allowed (a binary compiled with --allow-net): serve here.
      return await serve(context, address.hostname, address.port, settings, undefined);
    }
    if (!isDenoRuntime()) {
      throw new QueueError(
        `This compiled queuectl has no network permission and cannot grant itself one: run the ` +
          `dashboard from the installed command or a checkout (deno task queuectl dashboard), ` +
          `or compile with --allow-net=${net}`,
      );
    }
    const self = selfCommand([`--allow-net=${net}`]);
    const args = [
      ...self.prefix,
      "dashboard",
      "serve",
      "--home",
      context.home,
      "--listen",
      net,
      ...(context.json ? ["--json"] : []),
    ];
    const child = new Deno.Command(self.program, {
      args,
      stdin: "piped",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(`${JSON.stringify(settings)}\n`));
    // The pipe stays open: its end tells the server that this process is gone.
    const forward = (signal: Deno.Signal) => () => {
      try {
        child.kill(signal);
      } catch {
        // Already gone.
      }
    };
    const listeners: [Deno.Signal, () => void][] = [
      ["SIGINT", forward("SIGTERM")],
      ["SIGTERM", forward("SIGTERM")],
    ];
    for (const [name, listener] of listeners) Deno.addSignalListener(name, listener);
    try {
      const status = await child.status;
      return status.signal === null ? status.code : 128 + signalNumber(status.signal);
    } finally {
      for (const [name, listener] of listeners) Deno.removeSignalListener(name, listener);
      await writer.close().catch(() => {});
    }
  },
};

function signalNumber(signal: Deno.Signal): number {
  return signal === "SIGINT" ? 2 : signal === "SIGKILL" ? 9 : signal === "SIGTERM" ? 15 : 1;
}

export const dashboardServeCommand: CommandSpec = {
  name: ["dashboard", "serve"],
  summary: "serve the dashboard in this process (used by dashboard, with network permission)",
  hidden: true,
  options: { listen: OPTIONS.listen },
  positionals: [0, 0],
  async run(context, _args, options) {
    const { address } = await settingsFrom({ listen: options.listen });
    const settings = await readSettings();
    return await serve(context, address.hostname, address.port, settings, Deno.stdin.readable);
  },
};

/** The first line of standard input: the settings `dashboard` sends. */
async function readSettings(): Promise<ServeSettings> {
  const buffer = new Uint8Array(4096);
  let text = "";
  while (!text.includes("\n")) {
    const n = await Deno.stdin.read(buffer);
    if (n === null) break;
    text += new TextDecoder().decode(buffer.subarray(0, n));
  }
  try {
    const settings = JSON.parse(text.split("\n")[0]!) as ServeSettings;
    if (settings.token !== null && typeof settings.token !== "string") throw new TypeError();
    return { token: settings.token, generated: settings.generated === true };
  } catch {
    throw new ValidationError(`"dashboard serve" is started by "queuectl dashboard" only`);
  }
}

/**
 * Serves until Ctrl-C, SIGTERM, or the end of `parentGone` (the starter's pipe).
 * @returns The exit code.
 */
async function serve(
  context: CommandContext,
  hostname: string,
  port: number,
  settings: ServeSettings,
  parentGone: ReadableStream<Uint8Array> | undefined,
): Promise<number> {
  // It runs for days: everything it may load later is loaded now (its files may be replaced).
  const [{ serveDashboard }] = await Promise.all([
    import("../web/server.ts"),
    import("../queue/preload.ts").then((module) => module.preloadLazyModules()),
  ]);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const name of signals) Deno.addSignalListener(name, onSignal);
  if (parentGone) {
    (async () => {
      try {
        for await (const _ of parentGone) { /* nothing more is sent */ }
      } catch {
        // Closed either way.
      }
      stop.abort();
    })();
  }
  try {
    await serveDashboard({
      home: context.home,
      storeUrl: context.storeUrl,
      hostname,
      port,
      token: settings.token ?? undefined,
      signal: stop.signal,
      onListen: ({ url, port: bound }) => announce(context, url, hostname, bound, settings),
    });
    return 0;
  } finally {
    for (const name of signals) Deno.removeSignalListener(name, onSignal);
  }
}

function announce(
  context: CommandContext,
  url: string,
  hostname: string,
  port: number,
  settings: ServeSettings,
): void {
  const token = settings.token;
  const open = token === null ? url : `${url}?token=${encodeURIComponent(token)}`;
  if (context.json) {
    context.out.line(JSON.stringify({ url: open, hostname, port, token }));
    return;
  }
  context.out.line(`queuectl dashboard: ${open}`);
  if (hostname === "0.0.0.0" || hostname === "::") {
    context.out.line(`listening on every interface, port ${port}: use this machine's address`);
  }
  if (token !== null) {
    context.out.line(
      `every request needs the access token${settings.generated ? " (generated)" : ""}: ` +
        `"Authorization: Bearer ${token}", or open the URL above once (it sets a cookie)`,
    );
  }
  context.out.note("Ctrl-C stops it");
}

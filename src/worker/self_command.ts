/**
 * How to start another queuectl process (a worker) the same way this one was started: a compiled
 * binary runs itself; under `deno run` (a checkout or the `deno install` shim) the runtime runs
 * the same main module with the same explicit permission flags and config.
 * @module
 */

import { basename, fromFileUrl } from "../platform/paths.ts";
import { PERMISSION_FLAGS } from "../permissions.ts";

/** A program and the arguments that come before queuectl's own. */
export interface SelfCommand {
  program: string;
  prefix: string[];
}

/**
 * The command line that runs queuectl again.
 * @param extraFlags Permission flags to add (the dashboard's `--allow-net=HOST:PORT`); a compiled
 * binary cannot take any: it runs with the permissions it was built with.
 * @returns Program and leading arguments; append the queuectl arguments.
 */
export function selfCommand(extraFlags: string[] = []): SelfCommand {
  const program = Deno.execPath();
  if (!isDenoRuntime(program)) return { program, prefix: [] };
  const main = Deno.mainModule;
  // One --allow-net with every host this run needs: the dashboard's address, the database's.
  const net = extraFlags.filter((flag) => flag.startsWith("--allow-net="))
    .map((flag) => flag.slice("--allow-net=".length));
  const database = storeNetHost();
  if (database !== undefined) net.push(database);
  const others = extraFlags.filter((flag) => !flag.startsWith("--allow-net="));
  const args = ["run", "--quiet", "--no-prompt", ...PERMISSION_FLAGS, ...others];
  if (net.length > 0) args.push(`--allow-net=${[...new Set(net)].join(",")}`);
  // A bundle (what `deno task install` installs) needs no config; the sources need the project's.
  const config = main.endsWith(".ts") ? projectConfig() : undefined;
  args.push(config ? `--config=${config}` : "--no-config");
  return { program, prefix: [...args, main] };
}

/**
 * The host and port of the PostgreSQL store in effect (`QUEUECTL_STORE`), for `--allow-net`.
 * @returns e.g. `127.0.0.1:5432`, or `undefined` for the journal.
 */
export function storeNetHost(): string | undefined {
  let url: string | undefined;
  try {
    url = Deno.env.get("QUEUECTL_STORE") || undefined;
  } catch {
    return undefined;
  }
  if (url === undefined || !/^postgres(ql)?:\/\//i.test(url)) return undefined;
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "5432"}`;
  } catch {
    return undefined;
  }
}

/**
 * Whether this process is the `deno` runtime (a checkout or the installed command), not a compiled
 * binary.
 * @param program The executable (default: this process's).
 * @returns `true` under `deno run`.
 */
export function isDenoRuntime(program: string = Deno.execPath()): boolean {
  return /^deno(\.exe)?$/.test(basename(program));
}

function projectConfig(): string | undefined {
  const url = new URL("../../deno.json", import.meta.url);
  if (url.protocol !== "file:") return undefined;
  const path = fromFileUrl(url);
  try {
    Deno.statSync(path);
    return path;
  } catch {
    return undefined;
  }
}

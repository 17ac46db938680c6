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
  args.push(...(config ? [`--config=${config}`] : ["--no-config", ...BUNDLE_FLAGS]));
  return { program, prefix: [...args, main] };
}

/**
 * How the installed bundle runs (the shim, and every process it starts, so that they share one
 * code cache). `--v8-flags=--no-lazy`: V8 compiles a function the first time it runs, and Deno's
 * code cache holds only what was compiled before the bundle ran, so a one-shot command such as
 * `enqueue` compiled its whole path anew on every run; compiled eagerly, the cache holds every
 * function (~2-3 ms of CPU less per `enqueue`). The cache is used only under the same V8 flags:
 * a process started with others would make the next command rebuild it.
 * `--unstable-lazy-dynamic-imports`: without it, `deno run` reads every file a dynamic `import()`
 * of the bundle names before it starts (~640 KB: the dashboard, the PostgreSQL driver, every
 * command); with it, only what the command runs (~200 KB for `enqueue`, ~3 ms less). Deno 2.9 has
 * it; a deno that refuses it fails at once, naming the flag: install again.
 */
export const BUNDLE_FLAGS = ["--unstable-lazy-dynamic-imports", "--v8-flags=--no-lazy"];

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

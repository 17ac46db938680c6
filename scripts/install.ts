// deno-lint-ignore-file no-console
/**
 * `deno task install`: writes a `queuectl` command into `$DENO_INSTALL_ROOT/bin` (default
 * `~/.deno/bin`). The command runs the bundle (`dist/bundle/main.js`) with the deno that ran this
 * install, by its absolute path, and the explicit permission flags: it works on a machine where
 * `deno` is not on PATH (installed through `npx -y deno@…`).
 * @module
 */

import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { PERMISSION_FLAGS } from "../src/permissions.ts";

const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

const bundle = fileURLToPath(new URL("../dist/bundle/main.js", import.meta.url));
const home = Deno.env.get("HOME") ?? "/";
const root = Deno.env.get("DENO_INSTALL_ROOT") || join(home, ".deno");
const bin = join(root, "bin");
const target = join(bin, "queuectl");
const deno = Deno.execPath();

await Deno.stat(bundle).catch(() => {
  console.error(`queuectl: ${bundle} is missing; run "deno task bundle" first`);
  Deno.exit(1);
});
/**
 * V8 compiles a function the first time it runs, and Deno's code cache holds only what was
 * compiled before the bundle ran: a one-shot command such as `enqueue` compiled its whole path anew
 * on every run. Compiled eagerly, the bundle's cache holds every function (measured: ~2-3 ms of CPU
 * less per `enqueue`). The cache is only used under the same V8 flags, so a process that runs the
 * bundle with others (a worker) makes the next command rebuild it once.
 */
const V8_FLAGS = ["--v8-flags=--no-lazy"];
/**
 * Without this flag, `deno run` reads every file a dynamic `import()` of the bundle names before
 * it starts (~640 KB: the dashboard, the PostgreSQL driver, every command); with it, only what the
 * command runs (~200 KB for `enqueue`, ~3 ms less). Deno 2.9 has it; an older or newer deno that
 * refuses it fails at once, naming the flag: edit the shim, or install again.
 */
const LOAD_FLAGS = ["--unstable-lazy-dynamic-imports"];
const command = [
  deno,
  "run",
  "--quiet",
  "--no-prompt",
  "--no-config",
  ...LOAD_FLAGS,
  ...V8_FLAGS,
  ...PERMISSION_FLAGS,
  bundle,
].map(quote).join(" ");
const shim = `#!/bin/sh
# queuectl, installed by "deno task install"; run it again after updating the checkout.
exec ${command} "$@"
`;
await Deno.mkdir(bin, { recursive: true });
const temp = `${target}.${crypto.randomUUID().slice(0, 8)}.tmp`;
await Deno.writeTextFile(temp, shim, { mode: 0o755 });
await Deno.chmod(temp, 0o755);
await Deno.rename(temp, target);
console.log(`installed ${target}`);
console.log(`  it runs ${bundle}`);
console.log(`  with ${deno}`);
const onPath = (Deno.env.get("PATH") ?? "").split(":").includes(bin);
if (!onPath) console.log(`add it to your PATH:  export PATH="${bin}:$PATH"`);

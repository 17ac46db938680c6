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
import { BUNDLE_FLAGS } from "../src/worker/self_command.ts";

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
const command = [
  deno,
  "run",
  "--quiet",
  "--no-prompt",
  "--no-config",
  ...BUNDLE_FLAGS,
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

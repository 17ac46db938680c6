/**
 * queuectl: a background job queue for shell commands. This file only dispatches to the CLI.
 * @module
 */

import { runCli } from "./src/cli/run_cli.ts";

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args));
}

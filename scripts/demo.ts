// deno-lint-ignore-file no-console
/**
 * `deno task demo`: a real run of queuectl on a temporary home, printing each command as a user
 * would type it and what it printed. Usage: deno task demo [--keep]
 * @module
 */

import { fileURLToPath } from "node:url";
import { PERMISSION_FLAGS } from "../src/permissions.ts";

const MAIN = fileURLToPath(new URL("../main.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));
const keep = Deno.args.includes("--keep");
const home = await Deno.makeTempDir({ prefix: "queuectl-demo-" });

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

async function q(...args: string[]): Promise<number> {
  console.log(`\n$ queuectl ${args.map(shellQuote).join(" ")}`);
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      ...PERMISSION_FLAGS,
      `--config=${CONFIG}`,
      MAIN,
      ...args,
    ],
    env: { QUEUECTL_HOME: home, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stderr) + new TextDecoder().decode(stdout);
  if (out.trim().length > 0) console.log(out.trimEnd());
  if (code !== 0) console.log(`(exit status ${code})`);
  return code;
}

async function quietJson(...args: string[]): Promise<unknown> {
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      ...PERMISSION_FLAGS,
      `--config=${CONFIG}`,
      MAIN,
      ...args,
      "--json",
    ],
    env: { QUEUECTL_HOME: home, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "null",
  }).output();
  return JSON.parse(new TextDecoder().decode(stdout));
}

console.log(`queuectl demo: a temporary queue home at ${home} (QUEUECTL_HOME)`);
try {
  console.log("\n# Quick retries for the demo: wait 1.5^n seconds after the n-th failure.");
  await q("config", "set", "backoff-base", "1.5");
  console.log("\n# Five jobs: a success, a flaky one headed for the DLQ, an urgent one,");
  console.log("# one scheduled 3 seconds from now, and one that will time out.");
  await q("enqueue", '{"id":"hello","command":"echo hello from queuectl; uname -s"}');
  await q("enqueue", '{"id":"flaky","command":"echo disk full >&2; exit 1","max_retries":2}');
  await q("enqueue", '{"id":"urgent","command":"echo first in line","priority":10}');
  const runAt = new Date(Date.now() + 3000).toISOString();
  await q("enqueue", JSON.stringify({ id: "scheduled", command: "date -u +%T", run_at: runAt }));
  await q("enqueue", '{"id":"slow","command":"sleep 30","timeout":1,"max_retries":0}');
  await q("status");
  await q("worker", "start", "--count", "2");
  console.log("\n# Watching the queue (status --json, once a second):");
  for (let second = 1; second <= 20; second++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const status = await quietJson("status") as { jobs: Record<string, number> };
    const { total: _total, ...counts } = status.jobs;
    console.log(
      `  t+${second}s  ${Object.entries(counts).map(([s, n]) => `${s} ${n}`).join("  ")}`,
    );
    if (counts.pending === 0 && counts.processing === 0 && counts.failed === 0) break;
  }
  console.log("\n# Block until every job is completed or dead (exit 1: some are dead):");
  await q("wait", "--timeout", "30");
  await q("status");
  await q("list");
  await q("dlq", "list");
  await q("show", "flaky");
  await q("logs", "hello");
  await q("worker", "stop");
  await q("doctor");
} finally {
  if (keep) console.log(`\nThe demo home is kept at ${home}`);
  else await Deno.remove(home, { recursive: true }).catch(() => {});
}

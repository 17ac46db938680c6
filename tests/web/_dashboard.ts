/**
 * Test helper: `queuectl dashboard` as a user starts it (a separate process with queuectl's
 * permission flags, which starts the server with network permission for its address), on a free
 * port, with its announcement read back.
 * @module
 */

import { fileURLToPath } from "node:url";
import { PERMISSION_FLAGS } from "../../src/permissions.ts";
import { storeEnv } from "../cli/_cli.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));

/** A running dashboard. */
export interface RunningDashboard {
  /** Its URL, e.g. `http://127.0.0.1:41234/` (with `?token=` when it has one). */
  url: string;
  /** Where to reach it from this machine, without the token: `http://127.0.0.1:41234`. */
  origin: string;
  port: number;
  token: string | null;
  /** The line it announced itself with (`--json`), parsed. */
  announcement: Record<string, unknown>;
  /** The `queuectl dashboard` process. */
  process: Deno.ChildProcess;
  /** What it wrote on stderr so far. */
  stderr(): string;
  /** SIGTERM, then waits for it to exit; returns its exit code. */
  stop(): Promise<number>;
}

/**
 * Starts `queuectl --home <home> dashboard --json <args…>` and waits for its URL.
 * @param home The queue home.
 * @param args More arguments (default: a free port on 127.0.0.1).
 * @returns The running dashboard; stop it.
 */
export async function startDashboard(
  home: string,
  args: string[] = ["--listen", "127.0.0.1:0"],
): Promise<RunningDashboard> {
  const process = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      ...PERMISSION_FLAGS,
      `--config=${CONFIG}`,
      MAIN,
      "--home",
      home,
      "dashboard",
      "--json",
      ...args,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...storeEnv(home) },
  }).spawn();
  let errors = "";
  const drained = (async () => {
    for await (const chunk of process.stderr.pipeThrough(new TextDecoderStream())) errors += chunk;
  })();
  const lines = process.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const deadline = setTimeout(() => {
    try {
      process.kill("SIGKILL");
    } catch {
      // Gone.
    }
  }, 30_000);
  try {
    while (!text.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) {
        await drained;
        throw new Error(`queuectl dashboard exited before it listened: ${errors}`);
      }
      text += value;
    }
  } finally {
    clearTimeout(deadline);
  }
  const drainedOut = (async () => {
    while (!(await lines.read()).done) { /* nothing else is printed */ }
  })();
  const announced = JSON.parse(text.split("\n")[0]!) as {
    url: string;
    port: number;
    token: string | null;
  };
  let stopped: Promise<number> | undefined;
  return {
    ...announced,
    announcement: announced as unknown as Record<string, unknown>,
    origin: `http://127.0.0.1:${announced.port}`,
    process,
    stderr: () => errors,
    stop: () =>
      stopped ??= (async () => {
        try {
          process.kill("SIGTERM");
        } catch {
          // Already gone.
        }
        const status = await process.status;
        await drained;
        await drainedOut;
        return status.code;
      })(),
  };
}

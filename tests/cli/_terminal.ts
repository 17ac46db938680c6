/**
 * Test helper: queuectl on a pseudo-terminal, as a user at a terminal runs it. `script` (from
 * util-linux) gives the command a terminal for stdin, stdout and stderr, and copies what it
 * printed, both streams together, to its own stdout.
 * @module
 */

import { fileURLToPath } from "node:url";
import { PERMISSION_FLAGS } from "../../src/permissions.ts";
import { storeEnv } from "./_cli.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** A queuectl run on a terminal, with what it has printed so far. */
export interface TerminalRun {
  /** Everything printed so far, stdout and stderr as the terminal showed them. */
  readonly text: () => string;
  /** Resolves when it exits, with its exit code and everything it printed. */
  readonly done: Promise<{ code: number; text: string }>;
  /** Ends it early (SIGTERM to `script`, which hangs up the terminal), e.g. when a test fails. */
  readonly stop: () => void;
}

/**
 * Starts `queuectl --home <home> <args…>` on a pseudo-terminal.
 * @param home The queue home.
 * @param args The arguments.
 * @param env Extra environment.
 * @returns The run; await `done`.
 */
export function queuectlOnTerminal(
  home: string,
  args: string[],
  env: Record<string, string> = {},
): TerminalRun {
  const argv = [
    Deno.execPath(),
    "run",
    "--quiet",
    "--no-prompt",
    ...PERMISSION_FLAGS,
    `--config=${CONFIG}`,
    MAIN,
    "--home",
    home,
    ...args,
  ];
  const child = new Deno.Command("script", {
    args: ["-qec", argv.map(shellQuote).join(" "), "/dev/null"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", SHELL: "/bin/sh", ...storeEnv(home), ...env },
  }).spawn();
  let text = "";
  const decoder = new TextDecoder();
  const reading = child.stdout.pipeTo(
    new WritableStream({
      write: (chunk) => void (text += decoder.decode(chunk, { stream: true })),
    }),
  );
  const done = (async () => {
    const [status, stderr] = await Promise.all([
      child.status,
      new Response(child.stderr).text(),
      reading,
    ]);
    if (stderr.trim() !== "") throw new Error(`script failed: ${stderr}`);
    return { code: status.code, text };
  })();
  const stop = () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Exited already.
    }
  };
  return { text: () => text, done, stop };
}

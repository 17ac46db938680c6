/**
 * Test helper: run a TypeScript fixture as a separate Deno process with explicit permissions.
 * @module
 */

/** Permissions fixtures run with. */
export const FIXTURE_PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-run",
  "--allow-sys=uid", // the store checks that the home is the user's (src/home/trust.ts)
  "--allow-net=127.0.0.1", // the PostgreSQL test server
];

/**
 * Starts `deno run` of a fixture with piped stdout and stderr.
 * @param script Path of the fixture, relative to this folder (`tests/`).
 * @param args Its arguments.
 * @returns The child process.
 */
export function spawnFixture(script: string, args: string[]): Deno.ChildProcess {
  const path = new URL(script, import.meta.url).pathname;
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...FIXTURE_PERMISSIONS, path, ...args],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/**
 * Waits for a child and returns its stdout lines, failing with its stderr if it failed.
 * @param child A process from {@linkcode spawnFixture}.
 * @returns The non-empty lines it printed.
 */
export async function outputLines(child: Deno.ChildProcess): Promise<string[]> {
  const { code, stdout, stderr } = await child.output();
  const err = new TextDecoder().decode(stderr);
  if (code !== 0) throw new Error(`Fixture exited with ${code}: ${err}`);
  return new TextDecoder().decode(stdout).split("\n").filter((line) => line.length > 0);
}

/**
 * Reading Linux `/proc` files. Deno grants `/proc` only to `--allow-all`, which queuectl never
 * asks for; a `cat` child process (covered by the `--allow-run` workers need anyway) reads them.
 * @module
 */

/**
 * Reads a `/proc` file through `cat`. Requires `--allow-run`.
 * @param path e.g. `/proc/123/stat`.
 * @returns The content, or `undefined` if it cannot be read (no such process, no `/proc`).
 */
export async function readProcFile(path: string): Promise<string | undefined> {
  try {
    const { success, stdout } = await new Deno.Command("cat", {
      args: [path],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    return success ? new TextDecoder().decode(stdout) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Test helper: a fresh temporary queue home per test, removed afterwards.
 * @module
 */

/**
 * Runs `body` with a new temporary directory and removes it afterwards.
 * @param body The test body, given the directory's absolute path.
 * @returns What `body` returns.
 */
export async function withTempHome<T>(body: (home: string) => Promise<T>): Promise<T> {
  const home = await Deno.makeTempDir({ prefix: "queuectl-test-" });
  try {
    return await body(home);
  } finally {
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
}

/**
 * Polls `check` until it returns a value other than `undefined`, or fails after `timeoutMs`.
 * @param what Description for the failure message.
 * @param check The condition; return `undefined` to keep waiting.
 * @param timeoutMs Deadline.
 * @returns The first defined value.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

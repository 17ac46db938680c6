/**
 * Async interfaces answered by sync work: file calls that take microseconds are made with Deno's
 * sync APIs (an async one costs a hand-off to a thread and back), behind the same promises.
 * @module
 */

/**
 * Runs `work` now and gives its result, or what it threw, as a settled promise.
 * @param work Sync work.
 * @returns Its value, or a rejection with its error.
 * @example
 * ```ts
 * const size = await settled(() => Deno.statSync("journal.jsonl").size);
 * ```
 */
export function settled<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error);
  }
}

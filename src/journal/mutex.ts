/**
 * A promise-chain mutex: serialises async sections inside one process.
 * @module
 */

/** Runs async sections one at a time, in call order. */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  /**
   * Runs `section` once every section queued before it has settled.
   * @param section The work to serialise.
   * @returns What `section` returns.
   */
  run<T>(section: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(section, section);
    this.#tail = result.catch(() => {});
    return result;
  }
}

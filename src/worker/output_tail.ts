/**
 * Keeps the last characters of a byte stream, for the stderr tail in a job's `last_error`.
 * @module
 */

/** A bounded buffer of a stream's last bytes. */
export class OutputTail {
  #limit: number;
  #chunks: Uint8Array[] = [];
  #size = 0;

  /** @param limit How many trailing bytes to keep. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Adds a chunk, dropping what falls out of the window. */
  push(chunk: Uint8Array): void {
    this.#chunks.push(chunk.slice(Math.max(0, chunk.length - this.#limit)));
    this.#size += Math.min(chunk.length, this.#limit);
    while (this.#chunks.length > 1 && this.#size - this.#chunks[0]!.length >= this.#limit) {
      this.#size -= this.#chunks.shift()!.length;
    }
  }

  /** The kept bytes as text (a partial first character is dropped). */
  text(): string {
    const all = new Uint8Array(this.#size);
    let offset = 0;
    for (const chunk of this.#chunks) {
      all.set(chunk, offset);
      offset += chunk.length;
    }
    const kept = all.subarray(Math.max(0, all.length - this.#limit));
    return new TextDecoder().decode(kept).replace(/^\uFFFD+/, "");
  }
}

/**
 * CRC-32C (Castagnoli) over ASCII strings, the checksum of every journal record.
 * @module
 */

const TABLE: Int32Array = (() => {
  const table = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[i] = c;
  }
  return table;
})();

/** Initial register value of a CRC-32C computation. */
export const CRC32C_INIT = -1;

/**
 * Feeds the characters `text[start, end)` into a running CRC-32C register.
 *
 * Journal records are printable ASCII, so one character is one byte. Any other character makes
 * the input invalid and the function returns `undefined`, which callers treat as a bad record.
 *
 * @param register The running register, `CRC32C_INIT` to start.
 * @param text The characters to feed.
 * @param start First index, inclusive.
 * @param end Last index, exclusive.
 * @returns The new register, or `undefined` if a character is outside printable ASCII.
 * @example
 * ```ts
 * const reg = crc32cUpdate(CRC32C_INIT, "hello", 0, 5);
 * crc32cFinish(reg!); // 0x9a71bb4c
 * ```
 */
export function crc32cUpdate(
  register: number,
  text: string,
  start = 0,
  end: number = text.length,
): number | undefined {
  let c = register;
  for (let i = start; i < end; i++) {
    const ch = text.charCodeAt(i);
    if (ch < 0x20 || ch > 0x7e) return undefined;
    c = TABLE[(c ^ ch) & 0xff]! ^ (c >>> 8);
  }
  return c;
}

/**
 * Turns a running register into the final unsigned CRC-32C value.
 * @param register The register returned by {@linkcode crc32cUpdate}.
 * @returns The checksum as an unsigned 32-bit integer.
 */
export function crc32cFinish(register: number): number {
  return (register ^ -1) >>> 0;
}

/**
 * The CRC-32C of a whole printable-ASCII string.
 * @param text The input.
 * @returns The checksum, or `undefined` when `text` is not printable ASCII.
 */
export function crc32c(text: string): number | undefined {
  const reg = crc32cUpdate(CRC32C_INIT, text);
  return reg === undefined ? undefined : crc32cFinish(reg);
}

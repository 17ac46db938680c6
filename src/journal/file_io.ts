/**
 * Small file primitives the journal needs: whole writes, directory fsync, chunked reads.
 * @module
 */

/** Size of each read when loading a journal: large enough to amortise syscalls, small for RSS. */
export const READ_CHUNK_BYTES = 1 << 20;

/**
 * Writes every byte of `bytes`, looping on short writes.
 * @param file An open, writable file.
 * @param bytes The data.
 */
export async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    written += await file.write(bytes.subarray(written));
  }
}

/**
 * Fsyncs a directory so that a rename or a new entry in it survives power loss.
 * Requires `--allow-read`.
 * @param dir The directory's path.
 */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await Deno.open(dir, { read: true });
  try {
    await handle.sync();
  } finally {
    handle.close();
  }
}

/**
 * Reads `file` from `offset` to its current end, decoding UTF-8 in chunks.
 * @param file An open, readable file.
 * @param offset Where to start.
 * @param onText Called with each decoded chunk, in order.
 * @returns The number of bytes read.
 */
export async function readTextFrom(
  file: Deno.FsFile,
  offset: number,
  onText: (text: string) => void,
): Promise<number> {
  await file.seek(offset, Deno.SeekMode.Start);
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(READ_CHUNK_BYTES);
  let total = 0;
  for (;;) {
    const n = await file.read(buffer);
    if (n === null || n === 0) break;
    total += n;
    onText(decoder.decode(buffer.subarray(0, n), { stream: true }));
  }
  const rest = decoder.decode();
  if (rest.length > 0) onText(rest);
  return total;
}

/**
 * Whether a path exists. Requires `--allow-read`.
 * @param path The path.
 * @returns `true` if something is there.
 */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

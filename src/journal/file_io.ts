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

/** {@linkcode writeAll} with sync writes (an append to the page cache takes microseconds). */
export function writeAllSync(file: Deno.FsFile, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) {
    written += file.writeSync(bytes.subarray(written));
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

/** A read buffer kept between reads of one file: small at first, grown for big loads. */
export interface ReadBuffer {
  bytes?: Uint8Array;
}

const FIRST_READ_BYTES = 64 * 1024;

/**
 * Reads `file` from its current position to its end, decoding UTF-8 in chunks. Most catch-ups
 * read a few records, so the buffer starts at 64 KiB and grows to 1 MiB only for big loads. Sync
 * reads: a catch-up reads a few records from the page cache, where an async read would cost a
 * hand-off to a thread and back.
 * @param file An open, readable file, positioned where reading starts.
 * @param onText Called with each decoded chunk, in order.
 * @param buffer Reused between calls on the same file.
 * @returns The number of bytes read.
 */
export function readTextToEndSync(
  file: Deno.FsFile,
  onText: (text: string) => void,
  buffer: ReadBuffer = {},
): number {
  let bytes = buffer.bytes ??= new Uint8Array(FIRST_READ_BYTES);
  const decoder = new TextDecoder();
  let total = 0;
  for (;;) {
    const n = file.readSync(bytes);
    if (n === null || n === 0) break;
    total += n;
    onText(decoder.decode(bytes.subarray(0, n), { stream: true }));
    // A short read of a regular file means its end was reached.
    if (n < bytes.length) break;
    if (bytes.length < READ_CHUNK_BYTES) bytes = buffer.bytes = new Uint8Array(READ_CHUNK_BYTES);
  }
  const rest = decoder.decode();
  if (rest.length > 0) onText(rest);
  return total;
}

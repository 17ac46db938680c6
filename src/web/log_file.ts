/**
 * A job's output as the dashboard shows it: the end of a run's log file (the start of a long log
 * is cut), read only after the queue home's checks (never through a symbolic link), as text with
 * terminal escape sequences removed. Requires `--allow-read`.
 * @module
 */

import { attemptLogPath } from "../home/layout.ts";
import { checkPrivatePath } from "../home/trust.ts";
import type { QueueStore } from "../queue/mod.ts";

/** Most bytes of a log a page shows at once (its end). */
export const LOG_TAIL_BYTES = 256 * 1024;

/** What was read. */
export interface LogTail {
  /** The text (from `start` to `end`). */
  text: string;
  /** Byte offset where the text starts (0 unless the start was cut). */
  start: number;
  /** Byte offset where it ends: where a live view goes on reading. */
  end: number;
  /** Whether the file exists. */
  exists: boolean;
}

// CSI sequences (colours, cursor moves), OSC sequences (titles, links) and two-byte escapes.
// deno-lint-ignore no-control-regex
const ESCAPE_SEQUENCES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/**
 * Removes terminal escape sequences, which a browser would show as garbage.
 * @param text Output of a job.
 * @returns The text without them.
 */
export function stripTerminalEscapes(text: string): string {
  return text.replace(ESCAPE_SEQUENCES, "");
}

/**
 * The path of a run's log, checked: inside the home, no symbolic link on the way.
 * @param home The queue home.
 * @param jobId The job.
 * @param run The run's number.
 * @returns The path, or `undefined` when there is no such file (yet).
 */
export async function runLogPath(
  home: string,
  jobId: string,
  run: number,
): Promise<string | undefined> {
  const path = attemptLogPath(home, jobId, run);
  try {
    return (await checkPrivatePath(path, home)) ? path : undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/**
 * Reads a run's log from `from` (or its last {@linkcode LOG_TAIL_BYTES} when `from` is not
 * given), up to `maxBytes`.
 * @param path The log's path (from {@linkcode runLogPath}), or `undefined` for none yet.
 * @param from Byte offset to start at.
 * @param maxBytes Most bytes to read.
 * @param strip Remove terminal escape sequences (for a page; the API keeps the bytes as they are).
 * @returns The text and where it starts and ends.
 */
export async function readLog(
  path: string | undefined,
  from?: number,
  maxBytes = LOG_TAIL_BYTES,
  strip = true,
): Promise<LogTail> {
  if (path === undefined) return { text: "", start: 0, end: from ?? 0, exists: false };
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { text: "", start: 0, end: from ?? 0, exists: false };
    }
    throw error;
  }
  try {
    const size = (await file.stat()).size;
    let start = from ?? Math.max(0, size - maxBytes);
    if (start > size) start = size; // replaced by a shorter file: nothing new
    const length = Math.min(maxBytes, size - start);
    const bytes = new Uint8Array(length);
    await file.seek(start, Deno.SeekMode.Start);
    let read = 0;
    while (read < length) {
      const n = await file.read(bytes.subarray(read));
      if (n === null || n === 0) break;
      read += n;
    }
    return tailOf(bytes.subarray(0, read), start, from === undefined && start > 0, strip);
  } finally {
    file.close();
  }
}

/**
 * Reads a run's output as {@linkcode readLog} does: from its log file when this home's worker ran
 * it, else from the store when it keeps logs (a run on another machine).
 * @param store The store.
 * @param home The queue home.
 * @param jobId The job.
 * @param run The run's number.
 * @param from Byte offset to start at (default: the last `maxBytes`).
 * @param maxBytes Most bytes to read.
 * @param strip Remove terminal escape sequences.
 * @returns The text and where it starts and ends.
 */
export async function readRunLog(
  store: QueueStore,
  home: string,
  jobId: string,
  run: number,
  from?: number,
  maxBytes = LOG_TAIL_BYTES,
  strip = true,
): Promise<LogTail> {
  const path = await runLogPath(home, jobId, run);
  if (path !== undefined || !store.keepsLogs) return await readLog(path, from, maxBytes, strip);
  const stored = await store.readLog(jobId, run, from ?? 0);
  if (stored === undefined) return { text: "", start: 0, end: from ?? 0, exists: false };
  const size = stored.start + stored.data.length;
  const start = Math.min(size, Math.max(stored.start, from ?? size - maxBytes));
  const bytes = stored.data.subarray(start - stored.start, start - stored.start + maxBytes);
  // The start is cut when the tail was asked for, or when older output is no longer kept.
  return tailOf(bytes, start, start > (from ?? 0), strip);
}

/** Text from bytes read at `start`: cut at complete UTF-8 characters at both ends. */
function tailOf(bytes: Uint8Array, start: number, cutStart: boolean, strip: boolean): LogTail {
  // Cut at the last complete UTF-8 character: the rest comes with the next read.
  const end = start + completeUtf8Length(bytes);
  let chunk = bytes.subarray(0, end - start);
  // A cut start may fall inside a character: skip its continuation bytes.
  if (cutStart) {
    let skip = 0;
    while (skip < chunk.length && (chunk[skip]! & 0xc0) === 0x80) skip++;
    chunk = chunk.subarray(skip);
    start += skip;
  }
  const text = new TextDecoder().decode(chunk);
  return { text: strip ? stripTerminalEscapes(text) : text, start, end, exists: true };
}

/**
 * How many leading bytes form complete UTF-8 characters (an incomplete one at the end is left
 * for later; invalid bytes count, and decode as U+FFFD).
 * @param bytes The bytes.
 * @returns The length.
 */
export function completeUtf8Length(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const byte = bytes[n - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

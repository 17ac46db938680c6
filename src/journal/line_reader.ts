/**
 * A read-only pass over a journal that checks every line (checksum, sequence, transactions) but
 * leaves parsing to the caller: `status` reads a few fields of each line and skips building jobs.
 * @module
 */

import { readTextToEndSync } from "./file_io.ts";
import type { RawRecord } from "./framing.ts";
import { CheckedJournalText } from "./scanner.ts";

/**
 * Reads the journal at `path` from its start, calling `onRecord` with each checked line, whole
 * transactions at a time. An incomplete tail is left out (its writer may still be writing); a bad
 * record followed by valid ones is refused. Requires `--allow-read`.
 * @param path The journal file.
 * @param onRecord Called for each record, in order.
 * @returns The last sequence number read (`undefined` for an empty file).
 */
export async function readJournalLines(
  path: string,
  onRecord: (record: RawRecord) => void,
): Promise<number | undefined> {
  using file = await Deno.open(path, { read: true });
  const lines = new CheckedJournalText(path, onRecord);
  readTextToEndSync(file, (text) => lines.feed(text));
  const end = lines.finish();
  return end === undefined ? undefined : end.position.nextSeq - 1;
}

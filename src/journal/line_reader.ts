/**
 * A read-only pass over a journal that checks every line (checksum, sequence, transactions) but
 * leaves parsing to the caller: `status` reads a few fields of each line and skips building jobs.
 * @module
 */

import { readTextToEnd } from "./file_io.ts";
import { decodeHeaderLine, type RawRecord, saltOf, verifyRecordLine } from "./framing.ts";
import { damagedHeaderError, RecordScanner } from "./scanner.ts";

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
  let scanner: RecordScanner<RawRecord> | undefined;
  let head = "";
  await readTextToEnd(file, (text) => {
    if (scanner) return scanner.feed(text);
    head += text;
    const newline = head.indexOf("\n");
    if (newline < 0) return;
    const decoded = decodeHeaderLine(head.slice(0, newline));
    if (!decoded.ok) throw damagedHeaderError(path, decoded.reason);
    const { seq, gen } = decoded.header;
    scanner = new RecordScanner<RawRecord>(
      path,
      saltOf(gen),
      { offset: newline + 1, line: 2, nextSeq: seq + 1 },
      onRecord,
      "refuse",
      verifyRecordLine,
    );
    scanner.feed(head.slice(newline + 1));
  });
  if (!scanner) return undefined;
  const done = scanner as RecordScanner<RawRecord>;
  done.finish();
  return done.position.nextSeq - 1;
}

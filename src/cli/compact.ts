/**
 * `queuectl compact`: rewrite the journal as a snapshot now (with PostgreSQL: drop what the
 * journal's compaction would drop).
 * @module
 */

import type { CommandSpec } from "./command.ts";

/**
 * Formats a byte count for people.
 * @param bytes A count.
 * @returns e.g. `1.5 MiB`.
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export const compactCommand: CommandSpec = {
  name: ["compact"],
  summary: "compact the journal now (completed jobs past retention are dropped)",
  details: `Compaction also runs by itself when the journal outgrows compact_threshold. With a
PostgreSQL store it deletes completed jobs past retention, with their logs.
Example:
  queuectl compact`,
  options: {},
  positionals: [0, 0],
  async run(context) {
    const report = await context.withStore((store) => store.compact());
    if (context.json) {
      context.out.json({
        bytes_before: report.bytesBefore,
        bytes_after: report.bytesAfter,
        records: report.records,
      });
    } else if (context.storeUrl !== undefined) {
      // PostgreSQL has no journal to rewrite: bytes mean nothing there, `records` counts jobs.
      context.out.line(
        `database compacted: completed jobs past retention dropped, ${report.records} jobs kept`,
      );
    } else {
      context.out.line(
        `journal compacted: ${formatBytes(report.bytesBefore)} -> ${
          formatBytes(report.bytesAfter)
        }` +
          ` (${report.records} records)`,
      );
    }
    return 0;
  },
};

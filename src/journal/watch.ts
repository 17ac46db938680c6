/**
 * Watching a queue home for changes to its journal, so that a process waiting for something to
 * happen (an idle worker, `wait`, a live page) wakes at once instead of polling.
 * @module
 */

import { JOURNAL_FILE } from "./journal.ts";

/**
 * Calls `onChange` whenever `journal.jsonl` in `home` changes (often several times per write).
 * Requires `--allow-read`.
 * @param home The queue home.
 * @param onChange The callback.
 * @returns A handle to stop watching; `watching` is false where the platform cannot watch.
 */
export function watchJournalFile(
  home: string,
  onChange: () => void,
): { close(): void; readonly watching: boolean } {
  let watcher: Deno.FsWatcher;
  try {
    watcher = Deno.watchFs(home, { recursive: false });
  } catch {
    return { close() {}, watching: false };
  }
  (async () => {
    try {
      for await (const event of watcher) {
        if (event.paths.some((path) => path.endsWith(JOURNAL_FILE))) onChange();
      }
    } catch {
      // Watching ended (closed, or the platform gave up): callers poll as well.
    }
  })();
  return {
    watching: true,
    close() {
      try {
        watcher.close();
      } catch {
        // Already closed.
      }
    },
  };
}

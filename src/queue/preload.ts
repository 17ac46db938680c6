/**
 * Loading up front what a long-running process may need only later. A one-shot command loads
 * compaction, schedules, cancel and retry code on first use, which keeps its start short; a worker
 * or the dashboard runs for days, and its code may be replaced meanwhile (`deno task install`
 * rebuilds the bundle, whose file names change; a checkout is updated): a module first asked for
 * after that would not be found, or would not match the rest. So they load it all as they start.
 * @module
 */

import { loadCroner } from "./cron.ts";

/**
 * Loads every module the queue's stores load on first use. Later `import()`s of them are
 * answered from memory. Requires `--allow-read`.
 */
export async function preloadLazyModules(): Promise<void> {
  await Promise.all([
    import("./snapshot.ts"),
    import("./dropped_job_logs.ts"),
    import("./schedules.ts"),
    import("./cancel_retry.ts"),
    import("./fast_reads.ts"),
    import("./status_tally.ts"),
    import("../journal/line_reader.ts"),
    import("../journal/lock_holder.ts"),
    loadCroner(),
  ]);
}

// deno-lint-ignore-file no-console
/**
 * Measures loading a queue home's journal: time to replay it and count jobs, and the heap used.
 * Usage: deno run --allow-read --allow-write --allow-env --allow-sys=uid scripts/load_journal.ts <home>
 * Run it under `/usr/bin/time -v` for peak RSS.
 * @module
 */

import { JournalQueueStore } from "../src/queue/mod.ts";

const started = performance.now();
const store = await JournalQueueStore.open(Deno.args[0]!);
const counts = await store.countJobs();
const ms = performance.now() - started;
console.log(
  JSON.stringify({
    ms: Math.round(ms),
    counts,
    rssMiB: Math.round(Deno.memoryUsage().rss / 2 ** 20),
  }),
);
await store.close();

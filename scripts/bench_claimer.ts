// deno-lint-ignore-file no-console
/**
 * One claimer of the store bench (`deno task bench`), run as a process of its own: it opens the
 * store, registers as a worker, says `ready`, and on a line on stdin claims and settles no-op jobs
 * (no process is started: the run's result is made up) as a worker does, `settleAndClaimNext`,
 * until none is left; then it prints `done <count>`.
 *
 * Usage: bench_claimer.ts <home> <postgres URL or "journal"> <worker-id>
 * @module
 */

import { openStore } from "../src/open_store.ts";
import type { Claim } from "../src/queue/mod.ts";

const [home, where, workerId] = Deno.args;
if (!home || !where || !workerId) {
  console.error("usage: bench_claimer.ts <home> <postgres URL or journal> <worker-id>");
  Deno.exit(2);
}
const store = await openStore(home, where === "journal" ? undefined : where);
await store.registerWorker({ id: workerId, pid: Deno.pid, host: "bench", pstart: null });
console.log("ready");

// Wait for the go: one line on stdin.
const reader = Deno.stdin.readable.getReader();
await reader.read();
reader.releaseLock();

const ok = { exitCode: 0, signal: null, timedOut: false, error: null };
let count = 0;
let claim: Claim | null = await store.claimNext(workerId);
while (claim) {
  count++;
  claim = (await store.settleAndClaimNext(claim, ok)).next;
}
console.log(`done ${count}`);
await store.workerExited(workerId);
await store.close();

import assert from "node:assert/strict";
import { runChaos } from "../scripts/chaos.ts";

Deno.test({
  name:
    "chaos (short): random SIGKILLs of workers and enqueuers, also mid-compaction, break no promise",
  // Workers and enqueuers are detached processes the run reaps itself.
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const summary = await runChaos({
      seed: 42,
      jobs: 240,
      enqueuers: 2,
      workers: 3,
      kills: 12,
      chaosSeconds: 7,
      maxMinutes: 3,
      failEvery: 20,
      verbose: false,
      keep: false,
    });
    assert.deepEqual(summary.violations, [], JSON.stringify(summary));
    assert.equal(summary.acknowledged, 240);
    assert.equal(summary.completed + summary.dead, 240);
    assert.equal(summary.dead, 12, "exactly the jobs that fail by design are dead");
    assert.ok(summary.kills.workers + summary.kills.enqueuers >= 8, JSON.stringify(summary.kills));
    assert.ok(summary.compactions > 0, "compactions ran during the chaos");
  },
});

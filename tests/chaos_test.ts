import assert from "node:assert/strict";
import { runChaos } from "../scripts/chaos.ts";
import type { CancelEvent } from "../scripts/chaos_cancels.ts";
import { checkChaos, parseEffects } from "../scripts/chaos_checks.ts";
import type { WorkloadJob } from "../scripts/chaos_workload.ts";
import type { Attempt, Job, JobState } from "../src/queue/mod.ts";

Deno.test({
  name: "chaos (short): random SIGKILLs of workers and enqueuers, also mid-compaction, while " +
    "jobs wait for others and get canceled, break no promise",
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
      cancels: 16,
      longEvery: 40,
      dependencies: 0.3,
      verbose: false,
      keep: false,
    });
    const text = JSON.stringify(summary);
    assert.deepEqual(summary.violations, [], text);
    assert.equal(summary.acknowledged + summary.dependencies.refusedAtEnqueue, 240, text);
    assert.equal(summary.completed + summary.dead + summary.canceled, summary.acknowledged, text);
    assert.ok(summary.dependencies.ran > 0, text);
    assert.ok(summary.dependencies.canceledByDependency > 0, text);
    assert.ok(summary.cancels.requested >= 10, text);
    assert.ok(summary.kills.workers + summary.kills.enqueuers >= 8, JSON.stringify(summary.kills));
    assert.ok(summary.compactions > 0, "compactions ran during the chaos");
  },
});

// The checks themselves, on a made-up run: they pass a correct one and flag each broken promise.

const T0 = Date.parse("2026-01-01T00:00:00Z");
const iso = (ms: number) => new Date(T0 + ms).toISOString();

function planned(id: string, dependsOn: string[] = []): WorkloadJob {
  return {
    id,
    enqueuer: 0,
    batch: 0,
    position: 0,
    fails: id.endsWith("-fails"),
    long: id.endsWith("-long"),
    sleepSeconds: 0,
    dependsOn,
  };
}

function run(run: number, outcome: Attempt["outcome"], startMs: number, endMs: number): Attempt {
  return {
    attempt: run,
    worker_id: "w1",
    started_at: iso(startMs),
    finished_at: iso(endMs),
    outcome,
    exit_code: null,
    signal: null,
    error: null,
  };
}

function job(id: string, state: JobState, history: Attempt[], lastError: string | null): Job {
  return {
    id,
    command: "true",
    state,
    attempts: history.length,
    runs: history.length,
    max_retries: 50,
    priority: 0,
    run_at: iso(0),
    timeout: null,
    cwd: "/",
    env: null,
    created_at: iso(0),
    updated_at: iso(0),
    started_at: null,
    finished_at: null,
    next_run_at: null,
    exit_code: null,
    last_error: lastError,
    worker_id: null,
    queue: "default",
    depends_on: [],
    dependents: [],
    unique_key: null,
    cancel_requested_at: null,
    history,
  };
}

const stamp = (what: string, id: string, run: number, ms: number) =>
  `${what}:${id}:${run}:${run}:${BigInt(T0 + ms) * 1_000_000n}`;

/** A correct run: A fails (B waits for it), D waits for C, E is long and canceled while it runs. */
function madeUpRun() {
  const workload = [
    planned("a-fails"),
    planned("b", ["a-fails"]),
    planned("c"),
    planned("d", ["c"]),
    planned("e-long"),
    planned("f", ["e-long"]),
  ];
  const jobs = new Map([
    ["a-fails", job("a-fails", "dead", [run(1, "failed", 0, 6), run(2, "failed", 10, 16)], "x")],
    ["b", job("b", "canceled", [], "dependency a-fails is dead")],
    ["c", job("c", "completed", [run(1, "completed", 0, 21)], null)],
    ["d", job("d", "completed", [run(1, "completed", 30, 41)], null)],
    ["e-long", job("e-long", "canceled", [run(1, "canceled", 50, 150)], "canceled while running")],
    ["f", job("f", "canceled", [], "dependency e-long is canceled")],
  ]);
  const effects = [
    stamp("start", "a-fails", 1, 1),
    stamp("end", "a-fails", 1, 5),
    stamp("start", "a-fails", 2, 11),
    stamp("end", "a-fails", 2, 15),
    stamp("start", "c", 1, 1),
    stamp("end", "c", 1, 20),
    stamp("start", "d", 1, 31),
    stamp("end", "d", 1, 40),
    stamp("start", "e-long", 1, 51),
  ];
  const cancels: CancelEvent[] = [{
    id: "e-long",
    pick: "long",
    via: "store",
    requestMs: T0 + 95,
    ackMs: T0 + 100,
    outcome: "stopping",
    cascaded: [],
  }];
  return { workload, jobs, effects, cancels };
}

function violationsOf(change: (made: ReturnType<typeof madeUpRun>) => void): string[] {
  const made = madeUpRun();
  change(made);
  return checkChaos({
    workload: made.workload,
    jobs: made.jobs,
    acked: new Set(made.workload.map((j) => j.id)),
    refused: new Map(),
    cancels: made.cancels,
    effects: parseEffects(made.effects.join("\n")),
    killedWorkers: new Set(),
  }).violations;
}

Deno.test("chaos checks pass a run that kept every promise", () => {
  assert.deepEqual(violationsOf(() => {}), []);
});

Deno.test("chaos checks flag a job that started before its dependency's run ended", () => {
  const found = violationsOf((m) => {
    m.effects[6] = stamp("start", "d", 1, 19);
  });
  assert.deepEqual(found, ["job d started 1.000 ms before its dependency c ended"]);
});

Deno.test("chaos checks flag a dependent of a dead job that ran or was not canceled", () => {
  const found = violationsOf((m) => {
    m.effects.push(stamp("start", "b", 1, 30));
    m.jobs.set("b", job("b", "completed", [run(1, "completed", 29, 40)], null));
  });
  assert.deepEqual(found, [
    "job b, canceled because its dependency a-fails ended dead, has last_error null",
    "job b ended completed, expected canceled: its dependency a-fails ended dead",
    "job b started though its dependency a-fails ended dead",
  ]);
});

Deno.test("chaos checks flag a start after a cancel acknowledged at once", () => {
  const found = violationsOf((m) => {
    m.cancels.push({
      id: "d",
      pick: "pending",
      via: "cli",
      requestMs: T0 + 25,
      ackMs: T0 + 29,
      outcome: "canceled",
      cascaded: [],
    });
    m.jobs.set("d", job("d", "canceled", [run(1, "completed", 30, 41)], "canceled"));
  });
  assert.deepEqual(found, [
    "job d started run 1 2.0 ms after its cancel was acknowledged (canceled)",
    "job d has run 1 in its history, started after its cancel",
  ]);
});

Deno.test("chaos checks flag a canceled running job that was not killed", () => {
  const found = violationsOf((m) => {
    m.effects.push(stamp("end", "e-long", 1, 160));
  });
  assert.deepEqual(found, [
    "job e-long: run 1 ended 10.0 ms after the queue recorded it canceled",
    "long job e-long ran to its end (canceled: stopping)",
  ]);
});

Deno.test("chaos checks flag a lost job, a refusal without cause and an overlap", () => {
  const found = violationsOf((m) => {
    m.jobs.delete("c");
    m.effects.push("overlap:a-fails");
  });
  assert.ok(found.includes("acknowledged job c is lost"), found.join("\n"));
  assert.ok(found.includes("job a-fails ran while another run of it held its lock"));
  const refused = checkChaos({
    workload: [planned("c"), planned("d", ["c"])],
    jobs: new Map([["c", job("c", "completed", [run(1, "completed", 0, 21)], null)]]),
    acked: new Set(["c"]),
    refused: new Map([["d", "no reason"]]),
    cancels: [],
    effects: parseEffects(stamp("start", "c", 1, 1) + "\n" + stamp("end", "c", 1, 20)),
    killedWorkers: new Set(),
  }).violations;
  assert.deepEqual(refused, [
    "job d was refused at enqueue, yet none of its dependencies ended dead, canceled or refused: " +
    "no reason",
  ]);
  const reason = 'Job 2: field "depends_on": dependency "c" is dead; retry it first';
  const misnamed = checkChaos({
    workload: [planned("c"), planned("d", ["c"])],
    jobs: new Map(),
    acked: new Set(),
    refused: new Map([["c", "?"], ["d", reason]]),
    cancels: [],
    effects: parseEffects(""),
    killedWorkers: new Set(),
  }).violations;
  assert.ok(misnamed.includes(`job d was refused at enqueue (${reason}), but c ended refused`));
});

Deno.test("chaos checks flag a cancel that reports canceling a job that is not its dependent", () => {
  const found = violationsOf((m) => {
    m.cancels[0]!.cascaded.push("b", "f");
  });
  assert.deepEqual(found, ["cancel of e-long also canceled b, not its dependent"]);
});

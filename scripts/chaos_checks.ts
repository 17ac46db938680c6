/**
 * The chaos run's checks, pure: from the workload, what the enqueuers and the canceller were told,
 * the effects file the jobs wrote and the queue's final jobs, the promises the queue broke.
 * Expected final states come from the workload and the cancel acknowledgements, never from the
 * queue; the one exception is a job canceled while it ran, which may legitimately end `completed`
 * (it finished before its worker noticed): what its dependents must do then follows its actual end.
 * @module
 */

import type { Job, JobState } from "../src/queue/mod.ts";
import type { CancelEvent } from "./chaos_cancels.ts";
import type { WorkloadJob } from "./chaos_workload.ts";

/** One `start:` or `end:` line of the effects file. */
export interface Stamp {
  attempt: number;
  run: number;
  /** Epoch milliseconds, to the microsecond. */
  ms: number;
}

/** What the jobs' commands wrote. */
export interface Effects {
  starts: Map<string, Stamp[]>;
  ends: Map<string, Stamp[]>;
  /** Jobs a run of which found the job's lock taken. */
  overlaps: string[];
  malformed: string[];
}

/**
 * Reads the effects file.
 * @param text Its content.
 * @returns The stamps per job, the overlaps and any line not understood.
 */
export function parseEffects(text: string): Effects {
  const effects: Effects = { starts: new Map(), ends: new Map(), overlaps: [], malformed: [] };
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("overlap:")) {
      effects.overlaps.push(line.slice("overlap:".length));
      continue;
    }
    const match = /^(start|end):([^:]+):(\d+):(\d+):(\d{10,})$/.exec(line);
    if (!match) {
      effects.malformed.push(line);
      continue;
    }
    const [, what, id, attempt, run, ns] = match;
    const stamps = what === "start" ? effects.starts : effects.ends;
    const stamp = { attempt: Number(attempt), run: Number(run), ms: nsToMs(ns!) };
    stamps.set(id!, [...(stamps.get(id!) ?? []), stamp]);
  }
  return effects;
}

function nsToMs(ns: string): number {
  return Number(BigInt(ns) / 1000n) / 1000;
}

/** What the checks need. */
export interface ChaosOutcome {
  /** Every planned job, enqueuer by enqueuer, batch by batch, in order. */
  workload: WorkloadJob[];
  /** The final jobs of the workload (far-future filler left out). */
  jobs: ReadonlyMap<string, Job>;
  acked: ReadonlySet<string>;
  /** Jobs the queue refused at enqueue, with the reason the enqueuer was given. */
  refused: ReadonlyMap<string, string>;
  cancels: readonly CancelEvent[];
  effects: Effects;
  /** Workers the chaos SIGKILLed. */
  killedWorkers: ReadonlySet<string>;
}

/** Counts of what happened. */
export interface ChaosCounts {
  completed: number;
  dead: number;
  canceled: number;
  repeatedRuns: { byKilledWorker: number; byDesignFailure: number };
  dependencies: {
    /** Jobs with `depends_on`, acknowledged. */
    jobs: number;
    /** Jobs refused at enqueue because a dependency was dead, canceled or refused. */
    refusedAtEnqueue: number;
    canceledByDependency: number;
    /** Jobs with `depends_on` that ran, each start checked against its dependencies' ends. */
    ran: number;
  };
  cancels: {
    requested: number;
    viaCli: number;
    canceledAtOnce: number;
    /** Dependents canceled along with a cancel's target. */
    cascaded: number;
    /** Running when canceled: the worker was asked to kill them. */
    whileRunning: number;
    /** Of those, long jobs (they run until canceled). */
    longWhileRunning: number;
    /** Of those, ended `completed`: done before their worker noticed. */
    completedAnyway: number;
    /** Of those, recorded canceled by the recovery of their killed worker's run. */
    byRecovery: number;
    refused: number;
    /** From the cancel's acknowledgement to the record of the killed run, in ms. */
    killMs: { p50: number; max: number };
  };
}

/** How a job ended, as far as its dependents are concerned. */
type End = JobState | "refused" | "missing";

const BAD_ENDS: readonly End[] = ["dead", "canceled", "refused"];

/**
 * Checks every promise about jobs.
 * @param outcome What the run saw.
 * @returns The broken promises and the counts.
 */
export function checkChaos(outcome: ChaosOutcome): { violations: string[]; counts: ChaosCounts } {
  const { workload, jobs, acked, refused, cancels, effects, killedWorkers } = outcome;
  const v: string[] = [];
  const counts: ChaosCounts = {
    completed: 0,
    dead: 0,
    canceled: 0,
    repeatedRuns: { byKilledWorker: 0, byDesignFailure: 0 },
    dependencies: { jobs: 0, refusedAtEnqueue: 0, canceledByDependency: 0, ran: 0 },
    cancels: {
      requested: cancels.length,
      viaCli: cancels.filter((c) => c.via === "cli").length,
      canceledAtOnce: 0,
      cascaded: 0,
      whileRunning: 0,
      longWhileRunning: 0,
      completedAnyway: 0,
      byRecovery: 0,
      refused: 0,
      killMs: { p50: 0, max: 0 },
    },
  };
  const planned = new Set(workload.map((job) => job.id));
  for (const id of acked) if (!jobs.has(id)) v.push(`acknowledged job ${id} is lost`);
  for (const id of jobs.keys()) if (!planned.has(id)) v.push(`unexpected job ${id}`);
  for (const id of effects.overlaps) v.push(`job ${id} ran while another run of it held its lock`);
  for (const line of effects.malformed) v.push(`effects line not understood: ${line}`);

  const dependents = new Map<string, string[]>();
  for (const job of workload) {
    for (const d of job.dependsOn) dependents.set(d, [...(dependents.get(d) ?? []), job.id]);
  }
  const cancelOf = new Map<string, CancelEvent>();
  for (const event of cancels) {
    if (cancelOf.has(event.id)) v.push(`job ${event.id} was targeted by two cancels`);
    cancelOf.set(event.id, event);
    counts.cancels.cascaded += event.cascaded.length;
    const downstream = reachable(dependents, event.id);
    for (const id of event.cascaded) {
      if (!downstream.has(id)) {
        v.push(`cancel of ${event.id} also canceled ${id}, not its dependent`);
      } else if (jobs.get(id)?.state !== "canceled") {
        v.push(`cancel of ${event.id} reported ${id} canceled, which ended ${jobs.get(id)?.state}`);
      }
    }
    if (event.outcome === "error") v.push(`cancel of ${event.id} failed: ${event.error}`);
    if (event.outcome === "refused") counts.cancels.refused++;
    if (event.outcome === "canceled") counts.cancels.canceledAtOnce++;
  }
  const killMs: number[] = [];
  const recovered: string[] = [];
  // What each job ended as, as far as its dependents are concerned.
  const ended = new Map<string, End>();
  for (const planJob of workload) {
    const { id } = planJob;
    const job = jobs.get(id);
    const reason = refused.get(id);
    if (reason !== undefined) {
      ended.set(id, "refused");
      counts.dependencies.refusedAtEnqueue++;
      if (job) v.push(`job ${id} was refused at enqueue (${reason}) but is in the queue`);
      const cause = planJob.dependsOn.find((d) => BAD_ENDS.includes(ended.get(d) ?? "missing"));
      if (!cause) {
        v.push(
          `job ${id} was refused at enqueue, yet none of its dependencies ended dead, ` +
            `canceled or refused: ${reason}`,
        );
      }
      // The dependency the refusal names must be one, and have ended as the refusal says.
      const named = /dependency "([^"]+)" is (\w+);|no job with id "([^"]+)"/.exec(reason);
      const [dependency, was] = named?.[3] ? [named[3], "refused"] : [named?.[1], named?.[2]];
      if (
        dependency !== undefined &&
        (!planJob.dependsOn.includes(dependency) || ended.get(dependency) !== was)
      ) {
        v.push(
          `job ${id} was refused at enqueue (${reason}), but ${dependency} ended ${
            ended.get(dependency)
          }`,
        );
      }
      continue;
    }
    if (!job) {
      ended.set(id, "missing");
      if (!acked.has(id)) v.push(`job ${id} was neither acknowledged nor refused`);
      continue;
    }
    if (!acked.has(id)) v.push(`job ${id} is in the queue but was never acknowledged`);
    const cancel = cancelOf.get(id);
    const starts = effects.starts.get(id) ?? [];
    const ends = effects.ends.get(id) ?? [];
    const badDependencies = planJob.dependsOn.filter((d) =>
      BAD_ENDS.includes(ended.get(d) ?? "missing")
    );
    const natural: JobState = planJob.fails ? "dead" : "completed";
    let expected: JobState[];
    let why: string;
    if (cancel?.outcome === "canceled") {
      [expected, why] = [["canceled"], "it was canceled at once"];
      if (job.last_error !== "canceled") {
        v.push(`job ${id}, canceled at once, has last_error ${JSON.stringify(job.last_error)}`);
      }
    } else if (badDependencies.length > 0) {
      [expected, why] = [
        ["canceled"],
        `its dependency ${badDependencies[0]} ended ${ended.get(badDependencies[0]!)}`,
      ];
      counts.dependencies.canceledByDependency++;
      const named = /^dependency (\S+) is (dead|canceled)$/.exec(job.last_error ?? "");
      if (!named || !badDependencies.includes(named[1]!) || ended.get(named[1]!) !== named[2]) {
        v.push(
          `job ${id}, canceled because ${why}, has last_error ${JSON.stringify(job.last_error)}`,
        );
      }
      if (cancel?.outcome === "refused" && cancel.refusedState !== "canceled") {
        v.push(`job ${id}: its cancel was refused as ${cancel.refusedState}, but ${why}`);
      }
    } else if (cancel?.outcome === "stopping") {
      counts.cancels.whileRunning++;
      if (planJob.long) counts.cancels.longWhileRunning++;
      // A short job may end before its worker notices the cancel; a failing or long one may not.
      expected = planJob.fails || planJob.long ? ["canceled"] : ["canceled", "completed"];
      why = "it was canceled while it ran";
      if (job.state === "completed") counts.cancels.completedAnyway++;
    } else if (cancel?.outcome === "refused") {
      [expected, why] = [
        [cancel.refusedState!],
        `its cancel was refused as ${cancel.refusedState}`,
      ];
      if (cancel.refusedState !== natural) {
        v.push(
          `job ${id}: its cancel was refused as ${cancel.refusedState}, but it ends ${natural}`,
        );
      }
    } else {
      [expected, why] = [[natural], planJob.fails ? "it fails by design" : "nothing stopped it"];
    }
    if (!expected.includes(job.state)) {
      v.push(`job ${id} ended ${job.state}, expected ${expected.join(" or ")}: ${why}`);
    }
    ended.set(id, expected.includes(job.state) ? job.state : expected[0]!);
    if (job.state === "completed") counts.completed++;
    if (job.state === "dead") counts.dead++;
    if (job.state === "canceled") counts.canceled++;

    checkRuns(v, counts, planJob, job, starts, killedWorkers);
    checkDependencies(v, counts, planJob, starts, ended, effects);
    if (cancel) checkAfterCancel(v, killMs, recovered, job, cancel, starts, ends);
    if (planJob.long && ends.length > 0) {
      v.push(
        `long job ${id} ran to its end (${cancel ? `canceled: ${cancel.outcome}` : "no cancel"})`,
      );
    }
  }
  counts.cancels.byRecovery = recovered.length;
  killMs.sort((a, b) => a - b);
  counts.cancels.killMs = {
    p50: killMs[Math.floor(killMs.length / 2)] ?? 0,
    max: killMs[killMs.length - 1] ?? 0,
  };
  return { violations: v, counts };
}

/** Every job that depends, directly or not, on `id`. */
function reachable(dependents: ReadonlyMap<string, string[]>, id: string): Set<string> {
  const found = new Set<string>();
  const stack = [...(dependents.get(id) ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (found.has(next)) continue;
    found.add(next);
    stack.push(...(dependents.get(next) ?? []));
  }
  return found;
}

/** Attempts and runs: none twice, none more than counted, a run again only after a loss. */
function checkRuns(
  v: string[],
  counts: ChaosCounts,
  planJob: WorkloadJob,
  job: Job,
  starts: Stamp[],
  killedWorkers: ReadonlySet<string>,
): void {
  const id = job.id;
  const attempts = starts.map((s) => s.attempt);
  if (new Set(attempts).size !== attempts.length) {
    v.push(`job ${id} ran an attempt twice: ${attempts}`);
  }
  if (new Set(starts.map((s) => s.run)).size !== starts.length) {
    v.push(`job ${id} started a run twice: ${starts.map((s) => s.run)}`);
  }
  if (starts.length > job.attempts) {
    v.push(`job ${id} ran ${starts.length} times for ${job.attempts} attempts`);
  }
  const lost = job.history.filter((a) => a.outcome === "lost");
  for (const a of lost) {
    if (!killedWorkers.has(a.worker_id)) {
      v.push(`job ${id} lost by worker ${a.worker_id}, which was not killed`);
    }
  }
  const designFailures = job.history.filter((a) => a.outcome === "failed").length;
  if (!planJob.fails && designFailures > 0) {
    v.push(`job ${id} failed ${designFailures} time(s) but should not`);
  }
  if (job.attempts > 1) {
    counts.repeatedRuns.byKilledWorker += lost.length;
    counts.repeatedRuns.byDesignFailure += planJob.fails
      ? Math.min(designFailures, job.attempts - 1)
      : 0;
  }
  if (job.attempts - 1 > lost.length + (planJob.fails ? designFailures : 0)) {
    v.push(`job ${id} ran ${job.attempts} times with only ${lost.length} lost worker(s)`);
  }
}

/**
 * A job runs only once every dependency completed, and starts after the last `end` record of
 * each: a dependency's run ends (its `end` is written) before its worker settles it, which
 * readies the dependent, which a worker then claims and starts. Strict, on one clock.
 */
function checkDependencies(
  v: string[],
  counts: ChaosCounts,
  planJob: WorkloadJob,
  starts: Stamp[],
  ended: ReadonlyMap<string, End>,
  effects: Effects,
): void {
  if (planJob.dependsOn.length === 0) return;
  counts.dependencies.jobs++;
  if (starts.length === 0) return;
  counts.dependencies.ran++;
  const firstStart = Math.min(...starts.map((s) => s.ms));
  for (const dependency of planJob.dependsOn) {
    if (ended.get(dependency) !== "completed") {
      v.push(
        `job ${planJob.id} started though its dependency ${dependency} ended ${
          ended.get(dependency)
        }`,
      );
    }
    const ends = effects.ends.get(dependency) ?? [];
    if (ends.length === 0) {
      v.push(`job ${planJob.id} started though its dependency ${dependency} never ended a run`);
      continue;
    }
    const lastEnd = Math.max(...ends.map((s) => s.ms));
    if (firstStart <= lastEnd) {
      v.push(
        `job ${planJob.id} started ${(lastEnd - firstStart).toFixed(3)} ms before its ` +
          `dependency ${dependency} ended`,
      );
    }
  }
}

/**
 * After a cancel's acknowledgement (`ackMs`, floored: the true instant is before `ackMs + 1`):
 *  - a job canceled at once, or whose cancel was refused because it had finished, starts no run
 *    at or after it (strict: it was not running when the cancel was decided, and is terminal);
 *  - a job canceled while running starts no new run: a start after the acknowledgement can only
 *    be the run it was canceled in (claimed before, its shell slower to start), its last run;
 *    if it ends `canceled`, any `end` of that run was written before the queue recorded the run
 *    canceled (the worker, or the recovery of a killed worker, kills the processes first);
 *    if it ends `completed`, that run did end.
 * How fast the kill comes is measured (acknowledgement to the record), not asserted here: it
 * includes waiting for the queue lock, which a compaction may hold for seconds. That the kill
 * comes at all is asserted by long jobs, whose natural end is a minute away: none may end.
 */
function checkAfterCancel(
  v: string[],
  killMs: number[],
  recovered: string[],
  job: Job,
  cancel: CancelEvent,
  starts: Stamp[],
  ends: Stamp[],
): void {
  const id = job.id;
  const after = starts.filter((s) => s.ms >= cancel.ackMs + 1);
  const lastRun = job.history[job.history.length - 1];
  if (cancel.outcome === "canceled" || cancel.outcome === "refused") {
    for (const s of after) {
      v.push(
        `job ${id} started run ${s.run} ${(s.ms - cancel.ackMs).toFixed(1)} ms after its ` +
          `cancel was acknowledged (${cancel.outcome}${
            cancel.refusedState ? ` as ${cancel.refusedState}` : ""
          })`,
      );
    }
    for (const a of job.history) {
      if (Date.parse(a.started_at) > cancel.ackMs) {
        v.push(`job ${id} has run ${a.attempt} in its history, started after its cancel`);
      }
    }
    return;
  }
  if (cancel.outcome !== "stopping") return;
  for (const s of after) {
    if (s.run !== lastRun?.attempt) {
      v.push(
        `job ${id} started run ${s.run} after its cancel while run ${lastRun?.attempt} was ` +
          `its last`,
      );
    }
  }
  if (!lastRun) {
    v.push(`job ${id} was canceled while running but has no run in its history`);
    return;
  }
  const lastEnds = ends.filter((s) => s.run === lastRun.attempt);
  if (job.state === "canceled") {
    if (lastRun.outcome !== "canceled" || lastRun.finished_at === null) {
      v.push(`job ${id} ended canceled, but its last run ended ${lastRun.outcome}`);
      return;
    }
    if (!(job.last_error ?? "").startsWith("canceled while running")) {
      v.push(`job ${id}, canceled while running, has last_error ${JSON.stringify(job.last_error)}`);
    }
    if (/^canceled while running; worker /.test(job.last_error ?? "")) recovered.push(id);
    const recordedMs = Date.parse(lastRun.finished_at);
    for (const s of lastEnds) {
      if (s.ms >= recordedMs + 1) {
        v.push(
          `job ${id}: run ${s.run} ended ${(s.ms - recordedMs).toFixed(1)} ms after the ` +
            `queue recorded it canceled`,
        );
      }
    }
    killMs.push(recordedMs - cancel.ackMs);
  } else if (job.state === "completed" && lastEnds.length === 0) {
    v.push(
      `job ${id} ended completed after its cancel, but its last run ${lastRun.attempt} ` +
        `never ended`,
    );
  }
}

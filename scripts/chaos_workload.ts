/**
 * The chaos run's workload, shared by the enqueuers (which enqueue it) and the driver (which
 * computes from it what must happen): job `n` of batch `b` of enqueuer `e`, whether it fails by
 * design or runs until canceled, what it depends on, and its command. Deterministic from the seed.
 * @module
 */

import type { JobInput } from "../src/queue/mod.ts";

/** What shapes the workload; passed to each enqueuer as JSON. */
export interface WorkloadOptions {
  seed: number;
  batchSize: number;
  /**
   * One job in every `failEvery` of an enqueuer fails by design: dead after 2 runs (0: none).
   */
  failEvery: number;
  /**
   * One job in every `longEvery` sleeps {@linkcode LONG_SLEEP_S}: it is canceled while it runs
   * (0: none).
   */
  longEvery: number;
  /** Share of jobs given dependencies, 0 to 1 (0: none). */
  dependencies: number;
}

/** One planned job. */
export interface WorkloadJob {
  id: string;
  enqueuer: number;
  batch: number;
  /** Position in its batch. */
  position: number;
  fails: boolean;
  /** Runs until canceled (its natural end is {@linkcode LONG_SLEEP_S} after it starts). */
  long: boolean;
  /** Seconds a short job sleeps. */
  sleepSeconds: number;
  /** Earlier jobs of the same enqueuer: this batch's, or an earlier batch's. */
  dependsOn: string[];
}

/**
 * How long a long job sleeps: far beyond any kill delay, so that an `end` record of one means
 * its cancel did not kill it.
 */
export const LONG_SLEEP_S = 60;

/** A number in [0, 1) fixed by its arguments (a murmur3-style mix). */
function unit(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return (h >>> 0) / 4294967296;
}

/**
 * Whether job `index` of an enqueuer is the one marked in its block of `every` jobs: exactly one
 * per block, at a place that varies from block to block (so not always at the same place in a
 * batch).
 */
function markedAt(every: number, seed: number, enqueuer: number, index: number, salt: number) {
  if (every <= 0) return false;
  const block = Math.floor(index / every);
  return index % every === Math.floor(unit(seed, enqueuer, block, salt) * every);
}

function failsAt(options: WorkloadOptions, enqueuer: number, index: number): boolean {
  return markedAt(options.failEvery, options.seed, enqueuer, index, 11);
}

function longAt(options: WorkloadOptions, enqueuer: number, index: number): boolean {
  return !failsAt(options, enqueuer, index) &&
    markedAt(options.longEvery, options.seed, enqueuer, index, 12);
}

function jobId(options: WorkloadOptions, enqueuer: number, index: number): string {
  const batch = Math.floor(index / options.batchSize);
  const position = index % options.batchSize;
  return `e${enqueuer}-b${batch}-j${position}${failsAt(options, enqueuer, index) ? "-fails" : ""}${
    longAt(options, enqueuer, index) ? "-long" : ""
  }`;
}

/**
 * Job `position` of batch `batch` of enqueuer `enqueuer`. About `dependencies` of the jobs
 * depend on one of the 3 jobs before them in their batch, a third as many on a job of one of the
 * 3 batches before; most jobs right after a failing or a long one depend on it (in the same
 * batch, or in the one before), so that chains cross jobs that end dead or canceled.
 */
export function workloadJob(
  options: WorkloadOptions,
  enqueuer: number,
  batch: number,
  position: number,
): WorkloadJob {
  const size = options.batchSize;
  const index = batch * size + position;
  const draw = (salt: number) => unit(options.seed, enqueuer, batch, position, salt);
  const dependsOn = new Set<string>();
  if (options.dependencies > 0) {
    if (position > 0 && draw(1) < options.dependencies) {
      const back = 1 + Math.floor(draw(2) * Math.min(position, 3));
      dependsOn.add(jobId(options, enqueuer, index - back));
    }
    if (batch > 0 && draw(3) < options.dependencies / 3) {
      const earlier = batch - 1 - Math.floor(draw(4) * Math.min(batch, 3));
      dependsOn.add(jobId(options, enqueuer, earlier * size + Math.floor(draw(5) * size)));
    }
    const previousEnds = index > 0 &&
      (failsAt(options, enqueuer, index - 1) || longAt(options, enqueuer, index - 1));
    if (previousEnds && draw(6) < 0.8) dependsOn.add(jobId(options, enqueuer, index - 1));
  }
  return {
    id: jobId(options, enqueuer, index),
    enqueuer,
    batch,
    position,
    fails: failsAt(options, enqueuer, index),
    long: longAt(options, enqueuer, index),
    sleepSeconds: ((index * 7919) % 40) / 1000,
    dependsOn: [...dependsOn],
  };
}

/** Every job of one batch, in order. */
export function workloadBatch(
  options: WorkloadOptions,
  enqueuer: number,
  batch: number,
): WorkloadJob[] {
  return Array.from(
    { length: options.batchSize },
    (_, position) => workloadJob(options, enqueuer, batch, position),
  );
}

/**
 * What an enqueuer submits for a job. Its command, under a per-job lock, appends
 * `start:<id>:<attempt>:<run>:<epoch-ns>` to the effects file, sleeps, appends `end:…` the same
 * way, and fails if it fails by design; a run that finds the lock taken (flock exits 75) overlaps
 * another run of the job and appends `overlap:<id>`.
 * @param job The planned job.
 * @param effects The effects file (its locks live in `<effects>.locks/`).
 * @returns The job input.
 */
export function workloadInput(job: WorkloadJob, effects: string): JobInput {
  const stamp = (what: string) =>
    `echo "${what}:$QUEUECTL_JOB_ID:$QUEUECTL_ATTEMPT:$QUEUECTL_RUN:$(date +%s%N)" >> ${effects}`;
  const sleep = job.long ? LONG_SLEEP_S : job.sleepSeconds;
  return {
    id: job.id,
    command: `flock -n -E 75 ${effects}.locks/${job.id} -c '${stamp("start")}; sleep ${sleep}; ` +
      `${stamp("end")}${job.fails ? "; exit 1" : ""}'; s=$?; ` +
      `[ $s != 75 ] || echo "overlap:$QUEUECTL_JOB_ID" >> ${effects}; exit $s`,
    max_retries: job.fails ? 1 : 50,
    ...(job.dependsOn.length > 0 ? { depends_on: job.dependsOn } : {}),
  };
}

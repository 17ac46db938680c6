/**
 * `status` without building jobs: job counts per state and the workers, from the journal's lines
 * with only the fields that move a job between states read. It follows the same rules as the
 * reducer (a record that does not fit, such as a completion with an old lease, changes nothing);
 * a test replays random workloads through both and compares.
 * @module
 */

import type { JournalRecord, RawRecord } from "../journal/mod.ts";
import { JOB_STATES, type JobState } from "./job.ts";
import { type QueueRecord, unhandled } from "./records.ts";
import { applyRecord } from "./reducer.ts";
import { type QueueView, queueViews } from "./queue_view.ts";
import {
  DEFAULT_QUEUE,
  emptyQueueState,
  holdJob,
  type QueueState,
  releaseJob,
  type WorkerEntry,
} from "./state.ts";
import type { JobCounts } from "./store.ts";
import { readFields } from "./top_level_fields.ts";

/** Fields each record type needs besides `op` and `id`. */
/**
 * `state` is there only in a waiting job's `enqueue`, and `queue` only when not the default: both
 * come before `id`, so the first read stops there.
 */
const OP_AND_ID = ["op", "state", "queue", "id"] as const;
const AT = ["at"] as const;
const HELD_FIELDS = ["worker_id", "lease"] as const;
const MORE_FIELDS: Partial<Record<QueueRecord["op"], readonly string[]>> = {
  job: ["state"],
  claim: ["worker"],
  complete: ["lease"],
  requeue: ["lease"],
  canceled: ["lease"],
  fail: ["lease", "state"],
  recover: ["lease", "state"],
  retry: ["state"],
};
/** Records applied whole, by the reducer, to a state of workers and settings. */
const SETTINGS_OPS = new Set([
  "worker",
  "heartbeat",
  "stop",
  "exit",
  "lost",
  "queue",
  "config",
  "schedule",
  "schedule_pause",
  "schedule_remove",
  "tick",
]);

/** Running totals built from raw journal lines. */
export class StatusTally {
  #states = new Map<string, JobState>();
  /** Processing jobs: their lease and worker. */
  #held = new Map<string, { lease: number; worker: string | null }>();
  #workers: QueueState = emptyQueueState();
  #counts: Record<JobState, number> = { ...emptyQueueState().counts };
  /** The queue of every job not in the default one (completed ones too: a retry may move them). */
  #queueOf = new Map<string, string>();
  #queueCounts = new Map<string, Record<JobState, number>>();
  /** While set, `job` lines register a job without counting it (the summary counted it). */
  #seeding = false;

  /**
   * Starts from a compacted journal's summary: its jobs counted, none of them known yet. Call
   * before applying anything, then {@linkcode StatusTally.seed} the snapshot's job lines that
   * later records name.
   * @param counts Jobs per queue and state, as the `summary` record holds them.
   */
  startFrom(counts: Record<string, Partial<Record<JobState, number>>>): void {
    for (const [queue, perState] of Object.entries(counts)) {
      const perQueue = emptyCounts();
      for (const state of JOB_STATES) {
        const n = perState[state] ?? 0;
        perQueue[state] += n;
        this.#counts[state] += n;
      }
      this.#queueCounts.set(queue, perQueue);
    }
  }

  /**
   * Registers a job of the snapshot that {@linkcode StatusTally.startFrom} counted already: its
   * state, queue and claim, for the records after the snapshot that move it.
   * @param raw Its checked `job` line.
   */
  seed(raw: RawRecord): void {
    this.#seeding = true;
    try {
      this.apply(raw);
    } finally {
      this.#seeding = false;
    }
  }

  /** Applies one checked journal line. */
  apply(raw: RawRecord): void {
    // Read only what this record type needs, in the order records put it: most lines stop early.
    const line = raw.line;
    const f = new Map<string, string>();
    let at = readFields(line, OP_AND_ID, f, 1, "id");
    const op = f.get("op");
    if (op === undefined) return;
    if (SETTINGS_OPS.has(op)) {
      applyRecord(this.#workers, JSON.parse(line) as JournalRecord);
      return;
    }
    const more = MORE_FIELDS[op as QueueRecord["op"]];
    if (more) at = readFields(line, more, f, at);
    if (op === "job" && f.get("state") === "processing") readFields(line, HELD_FIELDS, f, at);
    const id = f.get("id");
    if (id === undefined) return;
    // A completed job is only counted (see #set): one not among the states is completed.
    const current = this.#states.get(id);
    const kind = op as Exclude<
      QueueRecord["op"],
      | "worker"
      | "heartbeat"
      | "stop"
      | "exit"
      | "lost"
      | "queue"
      | "config"
      | "schedule"
      | "schedule_pause"
      | "schedule_remove"
      | "tick"
    >;
    const queue = f.get("queue");
    if ((kind === "enqueue" || kind === "job") && queue !== undefined) this.#queueOf.set(id, queue);
    switch (kind) {
      case "enqueue":
        if (current === undefined) {
          this.#set(id, f.get("state") === "waiting" ? "waiting" : "pending");
        }
        return;
      case "job": {
        const state = f.get("state") as JobState;
        this.#set(id, state);
        if (state === "processing") {
          this.#held.set(id, { lease: Number(f.get("lease")), worker: f.get("worker_id") ?? null });
        }
        return;
      }
      case "claim":
        if (current !== "pending" && current !== "failed") return;
        this.#set(id, "processing");
        this.#held.set(id, { lease: raw.seq, worker: f.get("worker") ?? null });
        this.#setWorkerJob(f.get("worker"), id, line);
        return;
      case "retry":
        if (current === "dead" || current === "canceled" || current === undefined) {
          this.#set(
            id,
            f.get("state") === "waiting" ? "waiting" : "pending",
            current === undefined,
          );
        }
        return;
      case "stats":
        return; // counters: `status` does not show them
      case "ready":
        if (current === "waiting") this.#set(id, "pending");
        return;
      case "cancel":
        if (current === "pending" || current === "waiting" || current === "failed") {
          this.#set(id, "canceled");
        }
        return;
      case "complete":
      case "fail":
      case "recover":
      case "requeue":
      case "canceled": {
        const held = this.#held.get(id);
        if (current !== "processing" || !held || held.lease !== Number(f.get("lease"))) return;
        this.#held.delete(id);
        const worker = held.worker === null ? undefined : this.#workers.workers.get(held.worker);
        if (worker) releaseJob(worker, id);
        if (worker && op !== "recover") signOfLife(worker, line);
        const state = f.get("state");
        if (op === "complete") this.#set(id, "completed");
        else if (op === "fail") this.#set(id, state === "dead" ? "dead" : "failed");
        else if (op === "recover") this.#set(id, state === "dead" ? "dead" : "pending");
        else if (op === "canceled") this.#set(id, "canceled");
        else this.#set(id, "pending");
        return;
      }
      default:
        return unhandled(kind);
    }
  }

  /** Jobs per state and in total. */
  counts(): JobCounts {
    let total = 0;
    for (const state of JOB_STATES) total += this.#counts[state];
    return { ...this.#counts, total };
  }

  /** Counts per queue, with each queue's settings, as `status` shows them. */
  queues(): QueueView[] {
    return queueViews(this.#queueCounts, this.#workers.queues);
  }

  /** Every known worker. */
  workers(): WorkerEntry[] {
    return [...this.#workers.workers.values()].map((w) => ({ ...w, jobs: [...w.jobs] }));
  }

  /**
   * Moves a job to `state`. `wasCompleted`: the job is not among the states because it is
   * completed (a retry of a completed job).
   */
  #set(id: string, state: JobState, wasCompleted = false): void {
    const previous = this.#states.get(id) ?? (wasCompleted ? "completed" : undefined);
    if (this.#seeding) {
      if (state === "completed") this.#states.delete(id);
      else this.#states.set(id, state);
      return;
    }
    const queue = this.#queueOf.get(id) ?? DEFAULT_QUEUE;
    let perQueue = this.#queueCounts.get(queue);
    if (!perQueue) this.#queueCounts.set(queue, perQueue = emptyCounts());
    if (previous !== undefined) {
      this.#counts[previous]--;
      perQueue[previous]--;
    }
    this.#counts[state]++;
    perQueue[state]++;
    // Nothing moves a completed job again (an id is never enqueued twice in one journal), so
    // only its count is kept: a long history costs no memory here.
    if (state === "completed") this.#states.delete(id);
    else this.#states.set(id, state);
  }

  #setWorkerJob(workerId: string | undefined, jobId: string, line: string): void {
    const worker = workerId === undefined ? undefined : this.#workers.workers.get(workerId);
    if (!worker) return;
    holdJob(worker, jobId);
    signOfLife(worker, line);
  }
}

/**
 * The job a record names, for records that change a job (not those of workers or settings).
 * @param line A checked journal line.
 * @returns The job's id, or `undefined`.
 */
export function jobIdOf(line: string): string | undefined {
  const f = new Map<string, string>();
  readFields(line, OP_AND_ID, f, 1, "id");
  const op = f.get("op");
  if (op === undefined || SETTINGS_OPS.has(op)) return undefined;
  return f.get("id");
}

/** As the reducer does: a claim or settle by a live worker counts as its heartbeat. */
function signOfLife(worker: WorkerEntry, line: string): void {
  if (worker.status !== "running" && worker.status !== "stopping") return;
  const f = new Map<string, string>();
  readFields(line, AT, f, 1);
  const at = f.get("at");
  if (at === undefined) return;
  worker.heartbeat = at;
  worker.heartbeatMs = Date.parse(at);
}

function emptyCounts(): Record<JobState, number> {
  return { ...emptyQueueState().counts };
}

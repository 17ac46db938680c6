/**
 * The chaos run's canceller: cancels jobs while workers and enqueuers are being killed, through
 * the store API or, now and then, `queuectl cancel --json` as a user would, and records when each
 * cancel was asked for and acknowledged and what it did. Every long job (one that runs until
 * canceled) is canceled once it is seen running; other targets are picked at random among
 * running, waiting, pending or failed jobs, or the latest acknowledged ones (some of them
 * finished already: a refusal).
 * @module
 */

import { NotFoundError, ValidationError } from "../src/errors.ts";
import type { Job, JobState, QueueStore } from "../src/queue/mod.ts";

/** What one cancel did, as its caller saw it. */
export interface CancelEvent {
  id: string;
  /** Why it was picked: a long job seen running, or a random pick of this kind. */
  pick: "long" | "running" | "waiting" | "pending" | "recent";
  via: "store" | "cli";
  /** Epoch ms just before the cancel was asked for. */
  requestMs: number;
  /** Epoch ms just after it returned (`Date.now()` floors: the true instant is before +1). */
  ackMs: number;
  /**
   * `canceled`: canceled at once (it was pending, waiting or failed); `stopping`: it was running
   * and its worker was asked to kill it; `refused`: it was already `refusedState`; `error`: the
   * cancel failed otherwise (`error` says how).
   */
  outcome: "canceled" | "stopping" | "refused" | "error";
  refusedState?: JobState;
  /** Jobs canceled with it because they waited for it. */
  cascaded: string[];
  error?: string;
}

/** Runs `queuectl --home <home> <args>` and returns its output. */
export type QueuectlRunner = (args: string[]) => Promise<Deno.CommandOutput>;

const PICKS = ["running", "waiting", "pending", "recent"] as const;
/** How many of the latest acknowledged jobs a `recent` pick chooses from. */
const RECENT = 40;
/** How many jobs of a state a pick lists, newest first. */
const LISTED = 200;

/** Cancels jobs and keeps the record of every cancel. */
export class Canceller {
  readonly events: CancelEvent[] = [];
  #targeted = new Set<string>();
  #store: QueueStore;
  #queuectl: QueuectlRunner;
  #random: () => number;
  #randomCancels = 0;

  /**
   * @param store The store to cancel through.
   * @param queuectl Runs the CLI, for the cancels made as a user would.
   * @param random A seeded random source.
   */
  constructor(store: QueueStore, queuectl: QueuectlRunner, random: () => number) {
    this.#store = store;
    this.#queuectl = queuectl;
    this.#random = random;
  }

  /** Cancels every long job now running that no cancel aimed at yet. */
  async cancelRunningLongJobs(isLong: (id: string) => boolean): Promise<void> {
    const running = await this.#store.listJobs({ state: "processing" });
    for (const job of running) {
      if (isLong(job.id) && !this.#targeted.has(job.id)) await this.cancel(job.id, "long", "store");
    }
  }

  /**
   * Cancels one job picked at random: in turn a running (not long) one, a waiting one, a pending
   * or failed one, and one of the latest acknowledged (when there is none of the kind wanted,
   * too); every fifth through the CLI.
   * @param acked The acknowledged ids.
   * @param isLong Whether a job is long (those are left to {@linkcode cancelRunningLongJobs}).
   */
  async cancelRandomJob(acked: ReadonlySet<string>, isLong: (id: string) => boolean) {
    const n = this.#randomCancels++;
    const pick = PICKS[n % PICKS.length]!;
    const eligible = (job: Job) =>
      acked.has(job.id) && !this.#targeted.has(job.id) && !(pick === "running" && isLong(job.id));
    let candidates: string[] = [];
    if (pick === "running" || pick === "waiting") {
      const state = pick === "running" ? "processing" : pick;
      candidates = (await this.#store.listJobs({ state, limit: LISTED }))
        .filter(eligible).map((job) => job.id);
    } else if (pick === "pending") {
      const failed = await this.#store.listJobs({ state: "failed", limit: LISTED });
      // Newest first: the far-future filler, enqueued before everything, is left out.
      const pending = await this.#store.listJobs({ state: "pending", limit: LISTED });
      candidates = [...failed, ...pending].filter(eligible).map((job) => job.id);
    }
    let chosen: CancelEvent["pick"] = pick;
    if (candidates.length === 0) {
      chosen = "recent";
      candidates = [...acked].slice(-RECENT).filter((id) => !this.#targeted.has(id));
    }
    const id = candidates[Math.floor(this.#random() * candidates.length)];
    if (id !== undefined) await this.cancel(id, chosen, n % 5 === 4 ? "cli" : "store");
  }

  /** Cancels one job and records what happened. */
  async cancel(id: string, pick: CancelEvent["pick"], via: CancelEvent["via"]): Promise<void> {
    this.#targeted.add(id);
    const requestMs = Date.now();
    const event: Omit<CancelEvent, "ackMs"> = via === "store"
      ? await this.#cancelThroughStore(id, pick, requestMs)
      : await this.#cancelThroughCli(id, pick, requestMs);
    this.events.push({ ...event, ackMs: Date.now() });
  }

  async #cancelThroughStore(id: string, pick: CancelEvent["pick"], requestMs: number) {
    const base = { id, pick, via: "store" as const, requestMs, cascaded: [] };
    try {
      const report = await this.#store.cancel([id]);
      return {
        ...base,
        outcome: report.stopping.includes(id) ? "stopping" as const : "canceled" as const,
        cascaded: report.canceled.filter((other) => other !== id),
      };
    } catch (error) {
      if (error instanceof ValidationError) return refusal(base, error.message);
      const kind = error instanceof NotFoundError ? "unknown id: " : "";
      return { ...base, outcome: "error" as const, error: kind + String(error) };
    }
  }

  async #cancelThroughCli(id: string, pick: CancelEvent["pick"], requestMs: number) {
    const base = { id, pick, via: "cli" as const, requestMs, cascaded: [] };
    const output = await this.#queuectl(["cancel", "--json", id]);
    const stderr = new TextDecoder().decode(output.stderr).trim();
    if (output.code === 2) return refusal(base, stderr);
    if (output.code !== 0) {
      return { ...base, outcome: "error" as const, error: `exit ${output.code}: ${stderr}` };
    }
    const report = JSON.parse(new TextDecoder().decode(output.stdout)) as {
      canceled: string[];
      stopping: string[];
    };
    return {
      ...base,
      outcome: report.stopping.includes(id) ? "stopping" as const : "canceled" as const,
      cascaded: report.canceled.filter((other) => other !== id),
    };
  }
}

function refusal<T extends object>(base: T, message: string) {
  const state = /" is (\w+); only /.exec(message)?.[1] as JobState | undefined;
  return state === undefined
    ? { ...base, outcome: "error" as const, error: message }
    : { ...base, outcome: "refused" as const, refusedState: state };
}

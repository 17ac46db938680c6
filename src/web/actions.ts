/**
 * What the dashboard's buttons change, each through the store: retry and cancel a job, retry the
 * dead letter queue, pause or resume a queue and set its cap, pause or resume a schedule. Every
 * action is a POST (the pipeline has checked its origin and CSRF token by then) and answers one
 * line saying what it did.
 * @module
 */

import { MAX_CONCURRENCY } from "../cli/queue.ts";
import { ValidationError } from "../errors.ts";
import { isValidQueueName, type QueueStore } from "../queue/mod.ts";

/** What an action did, for the toast (or the JSON answer). */
export interface ActionResult {
  message: string;
}

/** What actions are given besides the route's context. */
export interface ActionContext {
  store: QueueStore;
  /** The submitted form. */
  form: URLSearchParams;
}

type Action = (
  context: { params: Record<string, string>; url: URL } & ActionContext,
) => Promise<ActionResult>;

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function queueName(name: string): string {
  if (!isValidQueueName(name)) {
    throw new ValidationError(`Queue name "${name}" must be 1-64 of A-Z a-z 0-9 . _ -`);
  }
  return name;
}

/** The actions, by method and path. */
export const ACTIONS: [string, Action][] = [
  ["/jobs/:id/retry", async ({ store, params }) => {
    const { retried: revived } = await store.retry({ ids: [params.id!] });
    const self = revived.find((job) => job.id === params.id);
    const others = revived.length - 1;
    return {
      message: `${params.id} is ${self?.state ?? "pending"} again${
        others > 0
          ? `, with ${plural(others, "job")} that wait${others === 1 ? "s" : ""} for it`
          : ""
      }`,
    };
  }],
  ["/jobs/:id/cancel", async ({ store, params }) => {
    const report = await store.cancel([params.id!]);
    if (report.stopping.includes(params.id!)) {
      return { message: `${params.id} is being killed by its worker` };
    }
    const others = report.canceled.length - 1;
    return {
      message: `${params.id} is canceled${
        others > 0 ? `, with ${plural(others, "job")} that waited for it` : ""
      }`,
    };
  }],
  ["/jobs/retry-all", async ({ store, url }) => {
    const state = url.searchParams.get("state");
    if (state !== "dead" && state !== "canceled") {
      throw new ValidationError(`Only dead or canceled jobs can be retried all at once`);
    }
    const { retried, skipped } = await store.retry({ state });
    const left = skipped.length > 0
      ? ` (${plural(skipped.length, "job")} left out: ${skipped.map((s) => s.id).join(", ")})`
      : "";
    return { message: `${plural(retried.length, "job")} run again${left}` };
  }],
  ["/dlq/:id/retry", async ({ store, params }) => {
    const { retried } = await store.retryDead([params.id!]);
    const job = retried.find((r) => r.id === params.id);
    return { message: `${params.id} is ${job?.state ?? "pending"} again` };
  }],
  ["/dlq/retry-all", async ({ store }) => {
    const { retried: revived } = await store.retry({ state: "dead" });
    return {
      message: revived.length === 0
        ? "The dead letter queue is empty"
        : `${plural(revived.length, "job")} back from the dead letter queue`,
    };
  }],
  ["/queues/:name/pause", async ({ store, params }) => {
    await store.setQueue(queueName(params.name!), { paused: true });
    return { message: `Queue ${params.name} is paused: running jobs finish, no new one starts` };
  }],
  ["/queues/:name/resume", async ({ store, params }) => {
    await store.setQueue(queueName(params.name!), { paused: false });
    return { message: `Queue ${params.name} is running again` };
  }],
  ["/queues/:name/concurrency", async ({ store, params, form }) => {
    const raw = (form.get("concurrency") ?? "").trim();
    const concurrency = Number(raw);
    if (!/^\d+$/.test(raw) || concurrency > MAX_CONCURRENCY) {
      throw new ValidationError(
        `Concurrency must be an integer from 0 to ${MAX_CONCURRENCY}, got "${raw}"`,
      );
    }
    await store.setQueue(queueName(params.name!), { concurrency });
    return {
      message: concurrency === 0
        ? `Queue ${params.name} has no concurrency cap`
        : `Queue ${params.name}: at most ${concurrency} running`,
    };
  }],
  ["/schedules/:name/pause", async ({ store, params }) => {
    await store.pauseSchedule(params.name!, true);
    return { message: `Schedule ${params.name} is paused` };
  }],
  ["/schedules/:name/resume", async ({ store, params }) => {
    await store.pauseSchedule(params.name!, false);
    return { message: `Schedule ${params.name} is running again (missed ticks are not made up)` };
  }],
];

/**
 * The path a form comes back to: its `return` field when it is a path of this site, else `/`.
 * @param value The field.
 * @returns A local path.
 */
export function localReturnPath(value: string | null): string {
  if (value === null || !value.startsWith("/") || value.startsWith("//") || /[\\\s]/.test(value)) {
    return "/";
  }
  return value;
}

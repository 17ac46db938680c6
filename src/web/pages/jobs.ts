/**
 * Jobs, newest first: tabs per state with their counts, a queue filter, a search by id or command,
 * pages of 50. The dead-letter page is the same table for dead jobs, with retry buttons.
 * @module
 */

import {
  isValidQueueName,
  type Job,
  JOB_STATES,
  type JobState,
  type QueueStore,
} from "../../queue/mod.ts";
import { type Html, html } from "../html.ts";
import {
  actionForm,
  badge,
  count,
  emptyState,
  jobLink,
  oneLine,
  type PageContext,
  pageNumber,
  pager,
  timeAgo,
  withParams,
} from "./components.ts";
import type { Page } from "./layout.ts";

/** Rows per page. */
export const PAGE_SIZE = 50;

/** The filters of the jobs page, from its URL. */
export interface JobsQuery {
  state: JobState | undefined;
  queue: string | undefined;
  search: string | undefined;
  page: number;
}

/**
 * Reads the filters from a URL; an unknown state or a malformed queue is ignored.
 * @param url The page's URL.
 * @returns The filters.
 */
export function jobsQuery(url: URL): JobsQuery {
  const state = url.searchParams.get("state") ?? "";
  const queue = url.searchParams.get("queue") ?? "";
  const search = (url.searchParams.get("q") ?? "").trim().slice(0, 200);
  return {
    state: (JOB_STATES as readonly string[]).includes(state) ? state as JobState : undefined,
    queue: isValidQueueName(queue) ? queue : undefined,
    search: search === "" ? undefined : search,
    page: pageNumber(url),
  };
}

function jobRow(job: Job, page: PageContext, dlq: boolean): Html {
  const when = dlq ? job.finished_at ?? job.updated_at : job.created_at;
  return html`
    <tr
      data-job="${job.id}"><td class="id">${jobLink(job.id)}</td><td>${badge(
        job.state,
      )}</td><td>${job.queue}</td><td class="cmd" title="${job.command}">${oneLine(
        job.command,
      )}</td>
    <td class="num">${job.attempts}<span class="muted">/${job.max_retries + 1}</span></td>${dlq
      ? ""
      : html`<td class="num">${job.priority}</td>`}<td class="num">${timeAgo(
        when,
      )}</td><td class="err" title="${job.last_error ?? ""}">${job.last_error === null
      ? ""
      : oneLine(job.last_error, 120)}</td>${dlq
      ? html`<td class="actions">${
        actionForm(page, `/dlq/${encodeURIComponent(job.id)}/retry`, "Retry", {
          className: "small",
        })
      }</td>`
      : ""}</tr>
  `;
}

/**
 * The table of jobs.
 * @param jobs The rows.
 * @param page The page's context.
 * @param dlq The dead-letter variant (retry buttons, when it died).
 * @returns The table.
 */
export function jobsTable(jobs: Job[], page: PageContext, dlq = false): Html {
  return html`
    <div class="table-wrap">
      <table class="jobs">
        <thead>
          <tr><th>id</th><th>state</th><th>queue</th><th>command</th><th class="num">attempts</th>${dlq
            ? ""
            : html`<th class="num">priority</th>`}<th class="num">${dlq
            ? "died"
            : "enqueued"}</th><th>last error</th>${dlq ? html`<th></th>` : ""}</tr>
        </thead>
        <tbody>${jobs.map((job) => jobRow(job, page, dlq))}</tbody>
      </table>
    </div>
  `;
}

/**
 * Renders the jobs page.
 * @param store The queue.
 * @param page The page's context.
 * @returns The page.
 */
export async function jobsPage(store: QueueStore, page: PageContext): Promise<Page> {
  const query = jobsQuery(page.url);
  const queues = await store.listQueues();
  const counts = query.queue === undefined ? await store.countJobs() : (() => {
    const view = queues.find((q) => q.name === query.queue);
    const perState = Object.fromEntries(JOB_STATES.map((s) => [s, view?.[s] ?? 0]));
    const total = JOB_STATES.reduce((sum, s) => sum + (view?.[s] ?? 0), 0);
    return { ...perState, total } as Record<JobState | "total", number>;
  })();
  const jobs = await store.listJobs({
    ...(query.state === undefined ? {} : { state: query.state }),
    ...(query.queue === undefined ? {} : { queue: query.queue }),
    ...(query.search === undefined ? {} : { search: query.search }),
    offset: (query.page - 1) * PAGE_SIZE,
    limit: PAGE_SIZE + 1,
  });
  const hasMore = jobs.length > PAGE_SIZE;
  const shown = jobs.slice(0, PAGE_SIZE);
  const total = query.search === undefined ? counts[query.state ?? "total"] : undefined;
  const tab = (state: JobState | undefined) =>
    html`
      <a class="state-${state ?? "total"} ${state === query.state ? "active" : ""}"
        href="${withParams(page.url, { state, page: undefined })}">${state ??
          "all"} <span class="n">${count(counts[state ?? "total"])}</span></a>
    `;
  const bulk = query.state === "dead" || query.state === "canceled"
    ? actionForm(page, `/jobs/retry-all?state=${query.state}`, `Retry all ${query.state}`, {
      confirm: `Run every ${query.state} job again (${count(counts[query.state])} jobs)?`,
    })
    : "";
  const filtered = query.state !== undefined || query.queue !== undefined ||
    query.search !== undefined;
  const body = html`
    <div class="page-head">
      <h1>Jobs</h1>
      <div class="actions">${bulk}</div>
    </div>
    <nav class="tabs" id="job-tabs" data-live>${tab(undefined)}${JOB_STATES.map(tab)}</nav>
    <form class="filters" method="get" action="/jobs" data-autosubmit>
    ${query.state === undefined
      ? ""
      : html`<input type="hidden" name="state" value="${query.state}">`}
    <select name="queue" aria-label="queue"><option value="">every queue</option>${queues.map((q) =>
      html`
        <option value="${q.name}" ${q.name === query.queue
          ? html`
            selected
          `
          : ""}>${q.name}</option>
      `
    )}</select>
    <input type="search" name="q" value="${query.search ??
      ""}" placeholder="Search id or command" aria-label="search">
    <button class="btn" type="submit">Filter</button>
    ${filtered ? html`<a class="btn" href="/jobs">Clear</a>` : ""}
    </form>
    <div class="panel flush" id="jobs-live" data-live>${shown.length === 0
      ? emptyState(
        filtered ? "No job matches" : "No jobs yet",
        filtered
          ? html`<p>Try another state or queue, or clear the search.</p>`
          : html`<p>Enqueue one: <code>queuectl enqueue -- echo hello</code></p>`,
      )
      : html`${jobsTable(shown, page)}${
        pager(page.url, query.page, PAGE_SIZE, shown.length, hasMore, total)
      }`}</div>
  `;
  return { title: "Jobs", section: "jobs", body };
}

/**
 * Renders the dead letter queue.
 * @param store The queue.
 * @param page The page's context.
 * @returns The page.
 */
export async function dlqPage(store: QueueStore, page: PageContext): Promise<Page> {
  const query = jobsQuery(page.url);
  const jobs = await store.listJobs({
    state: "dead",
    ...(query.queue === undefined ? {} : { queue: query.queue }),
    offset: (query.page - 1) * PAGE_SIZE,
    limit: PAGE_SIZE + 1,
  });
  const dead = query.queue === undefined
    ? (await store.countJobs()).dead
    : (await store.listQueues()).find((q) => q.name === query.queue)?.dead ?? 0;
  const shown = jobs.slice(0, PAGE_SIZE);
  const retryAll = dead > 0
    ? actionForm(page, "/dlq/retry-all", `Retry all ${count(dead)}`, {
      confirm: `Move every dead job (${count(dead)}) back to pending?`,
      className: "primary",
    })
    : "";
  const body = html`
    <div
      class="page-head"><h1>Dead letter queue</h1>${query.queue === undefined
        ? ""
        : html`<span class="muted">queue ${query.queue} · <a href="/dlq">all queues</a></span>`}<div class="actions" id="dlq-actions" data-live>${query
          .queue === undefined
        ? retryAll
        : ""}</div></div>
    <p
      class="muted">Jobs whose every run failed. A retry puts one back to pending with its attempts reset; its history is kept.</p>
    <div class="panel flush" id="dlq-live" data-live>${shown.length === 0
      ? emptyState(
        "The dead letter queue is empty",
        html`<p>Jobs land here when their last retry fails.</p>`,
      )
      : html`${jobsTable(shown, page, true)}${
        pager(page.url, query.page, PAGE_SIZE, shown.length, jobs.length > PAGE_SIZE, dead)
      }`}</div>
  `;
  return { title: "Dead letter queue", section: "dlq", body };
}

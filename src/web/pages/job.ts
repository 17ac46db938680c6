/**
 * One job: its fields, what it depends on and what depends on it (with their states), its runs,
 * and the output of one run (the latest by default), followed live while that run goes on.
 * @module
 */

import { NotFoundError } from "../../errors.ts";
import { type Attempt, isTerminal, type Job, type QueueStore } from "../../queue/mod.ts";
import { type Html, html, type HtmlValue } from "../html.ts";
import { LOG_TAIL_BYTES, readRunLog } from "../log_file.ts";
import {
  actionForm,
  badge,
  count,
  formatSeconds,
  jobLink,
  jobPath,
  type PageContext,
  timeAgo,
} from "./components.ts";
import type { Page } from "./layout.ts";

/** Most dependents listed on the page. */
const DEPENDENTS_SHOWN = 200;

async function stateOf(store: QueueStore, id: string): Promise<Job["state"] | undefined> {
  try {
    return (await store.getJob(id)).state;
  } catch (error) {
    if (error instanceof NotFoundError) return undefined; // dropped by retention
    throw error;
  }
}

async function relatedList(store: QueueStore, ids: string[], none: string): Promise<Html> {
  if (ids.length === 0) return html`<span class="muted">${none}</span>`;
  const items: Html[] = [];
  for (const id of ids.slice(0, DEPENDENTS_SHOWN)) {
    const state = await stateOf(store, id);
    items.push(
      html`<li>${jobLink(id)} ${
        state === undefined
          ? html`<span class="muted">(no longer kept: counts as completed)</span>`
          : badge(state)
      }</li>`,
    );
  }
  const more = ids.length > DEPENDENTS_SHOWN
    ? html`<li class="muted">and ${count(ids.length - DEPENDENTS_SHOWN)} more</li>`
    : "";
  return html`<ul class="deps">${items}${more}</ul>`;
}

function took(attempt: Attempt, nowMs: number): Html {
  const start = Date.parse(attempt.started_at);
  if (attempt.finished_at === null) {
    return html`<span class="muted">${formatSeconds((nowMs - start) / 1000)} so far</span>`;
  }
  return html`${formatSeconds((Date.parse(attempt.finished_at) - start) / 1000)}`;
}

function runsTable(job: Job, shownRun: number | undefined, page: PageContext): Html {
  if (job.history.length === 0) return html`<p class="muted">No runs yet.</p>`;
  const rows = [...job.history].reverse().map((a) =>
    html`
      <tr class="${a.attempt === shownRun ? "selected" : ""}">
        <td class="num"><a href="${jobPath(job.id)}?run=${a.attempt}#output">#${a.attempt}</a></td>
        <td>${a.outcome === null ? badge("processing", "running") : badge(a.outcome)}</td>
        <td class="num">${timeAgo(a.started_at)}</td>
        <td class="num">${took(a, page.nowMs)}</td>
        <td class="num">${a.exit_code ?? a.signal ?? html`<span class="muted">–</span>`}</td>
        <td class="mono">${a.worker_id}</td>
        <td class="err" title="${a.error ?? ""}">${a.error ?? ""}</td>
      </tr>
    `
  );
  return html`
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th class="num">run</th>
            <th>outcome</th>
            <th class="num">started</th>
            <th class="num">took</th>
            <th class="num">exit</th>
            <th>worker</th>
            <th>error</th>
          </tr>
        </thead>
        <tbody>${rows}</tbody>
      </table>
    </div>
  `;
}

/**
 * The run whose output the page shows: `?run=N` if the job has it, else the latest.
 * @param job The job.
 * @param url The page's URL.
 * @returns The run's number, or `undefined` before the first run.
 */
export function shownRun(job: Job, url: URL): number | undefined {
  const asked = Number(url.searchParams.get("run"));
  if (Number.isSafeInteger(asked) && job.history.some((a) => a.attempt === asked)) return asked;
  return job.history.at(-1)?.attempt;
}

async function outputPanel(
  store: QueueStore,
  home: string,
  job: Job,
  run: number | undefined,
  pinned: boolean,
): Promise<Html> {
  if (run === undefined) {
    return html`
      <div id="output" class="panel" data-live data-key="none">
        <div class="log-head">
          <h2>Output</h2>
        </div>
        <pre class="log" id="log" data-empty="No output yet: the job has not run."></pre>
      </div>
    `;
  }
  const attempt = job.history.find((a) => a.attempt === run)!;
  const live = attempt.outcome === null && job.state === "processing";
  const tail = await readRunLog(store, home, job.id, run);
  const stream = live ? `${jobPath(job.id)}/log/stream?run=${run}&offset=${tail.end}` : undefined;
  const runs = job.history.length > 1
    ? html`<span class="runs">${
      [...job.history].reverse().slice(0, 12).map((a) =>
        html`<a class="btn small ${a.attempt === run ? "primary" : ""}" href="${
          jobPath(job.id)
        }?run=${a.attempt}#output">#${a.attempt}</a>`
      )
    }</span>`
    : "";
  const note: HtmlValue = tail.start > 0
    ? html`
      <span
        class="aside">the first ${count(tail.start)} bytes are not shown (last ${LOG_TAIL_BYTES /
          1024} KiB) · <a href="${jobPath(job.id)}/log?run=${run}">whole log</a></span>
    `
    : html`<span class="aside"><a href="${jobPath(job.id)}/log?run=${run}">raw</a></span>`;
  // Keyed by run (and whether the page follows the latest): a new run replaces the panel, while
  // the run goes on its text grows in place.
  const key = `${pinned ? "pinned" : "latest"}:${run}`;
  return html`
    <div id="output" class="panel" data-live data-key="${key}">
      <div class="log-head"><h2>Output of run #${run}</h2>${live
        ? badge("processing", "live")
        : ""}${runs}${note}</div>
      <pre class="log" id="log" ${stream
        ? html`
          data-stream="${stream}"
        `
        : ""} data-empty="${tail.exists
        ? "(no output)"
        : live
        ? "Waiting for output…"
        : "No output was kept for this run."}">${tail.text}</pre>
    </div>
  `;
}

/**
 * Renders a job's page.
 * @param store The queue.
 * @param home The queue home (for the logs).
 * @param id The job's id.
 * @param page The page's context.
 * @returns The page; `NotFoundError` for an unknown id.
 */
export async function jobPage(
  store: QueueStore,
  home: string,
  id: string,
  page: PageContext,
): Promise<Page> {
  const job = await store.getJob(id);
  const run = shownRun(job, page.url);
  const pinned = page.url.searchParams.has("run");
  const canRetry = isTerminal(job.state);
  const canCancel = !isTerminal(job.state) && job.cancel_requested_at === null;
  const actions = html`${
    canRetry
      ? actionForm(page, `${jobPath(job.id)}/retry`, "Retry", {
        className: "primary",
        confirm: `Run ${job.id} again?`,
      })
      : ""
  }${
    canCancel
      ? actionForm(page, `${jobPath(job.id)}/cancel`, "Cancel", {
        className: "danger",
        confirm: job.state === "processing"
          ? `Kill ${job.id}'s running process and cancel it for good?`
          : `Cancel ${job.id} for good (and the jobs that wait for it)?`,
      })
      : ""
  }`;
  const field = (name: string, value: HtmlValue) =>
    html`
      <dt>${name}</dt>
      <dd>${value}</dd>
    `;
  const fields = html`<dl class="fields">
${field("command", html`<pre class="command">${job.command}</pre>`)}
${field("queue", html`<a href="/jobs?queue=${encodeURIComponent(job.queue)}">${job.queue}</a>`)}
${field("attempts", `${job.attempts} of ${job.max_retries + 1} (max_retries ${job.max_retries})`)}
${field("priority", String(job.priority))}
${field("run_at", timeAgo(job.run_at))}
${field("next_run_at", timeAgo(job.next_run_at))}
${field("timeout", job.timeout === null ? "none" : formatSeconds(job.timeout))}
${field("cwd", html`<code>${job.cwd}</code>`)}
${
    field(
      "env",
      job.env === null
        ? html`<span class="muted">–</span>`
        : html`<code>${
          Object.keys(job.env).join(", ")
        }</code> <span class="muted">(values not shown)</span>`,
    )
  }
${field("created_at", timeAgo(job.created_at))}
${field("updated_at", timeAgo(job.updated_at))}
${field("started_at", timeAgo(job.started_at))}
${field("finished_at", timeAgo(job.finished_at))}
${
    field(
      "exit_code",
      job.exit_code === null ? html`<span class="muted">–</span>` : String(job.exit_code),
    )
  }
${
    field(
      "worker_id",
      job.worker_id === null
        ? html`<span class="muted">–</span>`
        : html`<code>${job.worker_id}</code>`,
    )
  }
${
    field(
      "unique_key",
      job.unique_key === null
        ? html`<span class="muted">–</span>`
        : html`<code>${job.unique_key}</code>`,
    )
  }
${
    job.cancel_requested_at === null
      ? ""
      : field("cancel", html`asked ${timeAgo(job.cancel_requested_at)}; its worker is killing it`)
  }
${
    job.last_error === null
      ? ""
      : field("last_error", html`<pre class="error">${job.last_error}</pre>`)
  }
</dl>`;
  const body = html`
    <div class="page-head" id="job-head"
      data-live><h1>Job <span class="id">${job.id}</span></h1>${badge(
        job.state,
      )}<div class="actions">${actions}</div></div>
    <div class="grid-2" id="job-live" data-live>
      <div class="panel"><h2>Fields</h2>${fields}</div>
      <div>
        <div class="panel"><h2>Depends on</h2>${await relatedList(
          store,
          job.depends_on,
          "nothing",
        )}</div>
        <div class="panel"><h2>Dependents</h2>${await relatedList(
          store,
          job.dependents,
          "none",
        )}</div>
      </div>
    </div>
    <div class="panel flush" id="runs-live" data-live><h2>Runs</h2>${runsTable(
      job,
      run,
      page,
    )}</div>
    ${await outputPanel(store, home, job, run, pinned)}
  `;
  return { title: `Job ${job.id}`, section: "jobs", body };
}

/**
 * Workers: live and lost ones first, with their pid, host, queues, heartbeat and current job;
 * stopped ones on request.
 * @module
 */

import type { WorkerStatusView } from "../../cli/worker_views.ts";
import type { WorkerEntry } from "../../queue/mod.ts";
import { html } from "../html.ts";
import { badge, emptyState, jobLink, type PageContext, timeAgo, withParams } from "./components.ts";
import type { Page } from "./layout.ts";

const ORDER: Record<string, number> = { running: 0, stopping: 1, lost: 2, stopped: 3 };

/**
 * Renders the workers page.
 * @param entries The workers as recorded.
 * @param views How they look now (a vanished process shows as lost).
 * @param page The page's context.
 * @returns The page.
 */
export function workersPage(
  entries: WorkerEntry[],
  views: WorkerStatusView[],
  page: PageContext,
): Page {
  const all = page.url.searchParams.get("all") === "1";
  const queuesOf = new Map(entries.map((w) => [w.id, w.queues]));
  const sorted = [...views].sort((a, b) =>
    (ORDER[a.status] ?? 9) - (ORDER[b.status] ?? 9) || b.started_at.localeCompare(a.started_at)
  );
  const shown = sorted.filter((w) => all || w.status !== "stopped");
  const hidden = sorted.length - shown.length;
  const rows = shown.map((w) => {
    const queues = queuesOf.get(w.id);
    return html`
      <tr>
        <td>${badge(w.status)}</td>
        <td class="mono">${w.id}</td>
        <td class="num">${w.pid}</td>
        <td>${w.host}</td>
        <td>${queues ? queues.join(", ") : html`<span class="muted">every queue</span>`}</td>
        <td class="num">${timeAgo(w.started_at)}</td>
        <td class="num">${timeAgo(w.heartbeat)}</td>
        <td>${w.jobs.length === 0
          ? html`<span class="muted">idle</span>`
          : w.jobs.map((id, i) => html`${i > 0 ? ", " : ""}${jobLink(id)}`)}</td>
      </tr>
    `;
  });
  const toggle = hidden > 0
    ? html`<a href="${withParams(page.url, { all: "1" })}">show ${hidden} stopped</a>`
    : all
    ? html`<a href="${withParams(page.url, { all: undefined })}">hide stopped</a>`
    : "";
  const body = html`
    <div
      class="page-head"><h1>Workers</h1><span class="muted" id="workers-toggle" data-live>${toggle}</span></div>
    <div class="panel flush" id="workers-live" data-live>${shown.length === 0
      ? emptyState(
        "No worker is running",
        html`<p>Start some: <code>queuectl worker start --count 2</code></p>`,
      )
      : html`
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>status</th>
                <th>id</th>
                <th class="num">pid</th>
                <th>host</th>
                <th>queues</th>
                <th class="num">started</th>
                <th class="num">heartbeat</th>
                <th>job</th>
              </tr>
            </thead>
            <tbody>${rows}</tbody>
          </table>
        </div>
      `}</div>
  `;
  return { title: "Workers", section: "workers", body };
}

/**
 * Queues: their jobs per state, paused or not, and their concurrency cap; pause, resume and set
 * the cap from here.
 * @module
 */

import { MAX_CONCURRENCY } from "../../cli/queue.ts";
import type { QueueView } from "../../queue/mod.ts";
import { html } from "../html.ts";
import { actionForm, badge, count, formatSeconds, type PageContext } from "./components.ts";
import type { Page } from "./layout.ts";

/**
 * Renders the queues page.
 * @param queues Every queue.
 * @param latency Per queue, the age of the oldest due pending job, in seconds.
 * @param page The page's context.
 * @returns The page.
 */
export function queuesPage(
  queues: QueueView[],
  latency: Record<string, number>,
  page: PageContext,
): Page {
  const rows = queues.map((q) => {
    const path = `/queues/${encodeURIComponent(q.name)}`;
    const cap = html`
      <input type="number" name="concurrency" min="0" max="${MAX_CONCURRENCY}" value="${q
        .concurrency}"
        aria-label="concurrency of ${q.name}">
    `;
    return html`
      <tr data-queue="${q.name}">
        <td><a href="/jobs?queue=${encodeURIComponent(q.name)}">${q.name}</a></td>
        <td>${q.paused ? badge("paused") : badge("active")}</td>
        <td class="num">${count(q.pending)}</td>
        <td class="num">${count(q.waiting)}</td>
        <td class="num">${count(q.processing)}</td>
        <td class="num">${count(q.failed)}</td>
        <td class="num">${count(q.dead)}</td>
        <td class="num">${count(q.completed)}</td>
        <td class="num">${(latency[q.name] ?? 0) > 0
          ? formatSeconds(latency[q.name]!)
          : html`<span class="muted">–</span>`}</td>
        <td class="actions">${q.paused
          ? actionForm(page, `${path}/resume`, "Resume", { className: "small primary" })
          : actionForm(page, `${path}/pause`, "Pause", { className: "small" })}</td>
        <td class="actions">${actionForm(page, `${path}/concurrency`, "Set", {
          className: "small",
          fields: cap,
        })}<span class="muted"> ${q.concurrency === 0 ? "no cap" : ""}</span></td>
      </tr>
    `;
  });
  const body = html`
    <div class="page-head">
      <h1>Queues</h1>
    </div>
    <p
      class="muted">A paused queue starts no new job (running ones finish). Concurrency caps the jobs of a queue running at once across all workers; 0 means no cap.</p>
    <div class="panel flush" id="queues-live" data-live>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th>queue</th>
              <th>status</th>
              <th class="num">pending</th>
              <th class="num">waiting</th>
              <th class="num">running</th>
              <th class="num">failed</th>
              <th class="num">dead</th>
              <th class="num">completed</th>
              <th class="num">latency</th>
              <th></th>
              <th>concurrency</th>
            </tr>
          </thead>
          <tbody>${rows}</tbody>
        </table>
      </div>
    </div>
  `;
  return { title: "Queues", section: "queues", body };
}

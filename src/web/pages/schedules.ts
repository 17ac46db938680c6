/**
 * Schedules: each recurring job with its cron expression, time zone, next and last run; pause and
 * resume from here.
 * @module
 */

import type { ScheduleView } from "../../queue/mod.ts";
import { html } from "../html.ts";
import { actionForm, badge, emptyState, oneLine, type PageContext, timeAgo } from "./components.ts";
import type { Page } from "./layout.ts";

/**
 * Renders the schedules page.
 * @param schedules Every schedule.
 * @param page The page's context.
 * @returns The page.
 */
export function schedulesPage(schedules: ScheduleView[], page: PageContext): Page {
  const rows = schedules.map((s) => {
    const path = `/schedules/${encodeURIComponent(s.name)}`;
    return html`
      <tr data-schedule="${s.name}">
        <td><strong>${s.name}</strong></td>
        <td><code>${s.cron}</code> <span class="muted">${s.timezone}</span></td>
        <td class="cmd" title="${s.job.command}">${oneLine(s.job.command)}</td>
        <td>${s.job.queue ?? "default"}</td>
        <td>${s.paused ? badge("paused") : badge("active")}</td>
        <td class="num">${s.paused
          ? html`<span class="muted">paused</span>`
          : timeAgo(s.next_run)}</td>
        <td class="num">${s.last_run === null
          ? html`<span class="muted">never</span>`
          : html`<a href="/jobs?q=${encodeURIComponent(`${s.name}:`)}">${
            timeAgo(s.last_run)
          }</a>`}</td>
        <td class="actions">${s.paused
          ? actionForm(page, `${path}/resume`, "Resume", { className: "small primary" })
          : actionForm(page, `${path}/pause`, "Pause", { className: "small" })}</td>
      </tr>
    `;
  });
  const body = html`
    <div class="page-head">
      <h1>Schedules</h1>
    </div>
    <div class="panel flush" id="schedules-live" data-live>${schedules.length === 0
      ? emptyState(
        "No schedules",
        html`<p>Add one: <code>queuectl schedule add nightly --cron "0 3 * * *" --job '{"command":"backup.sh"}'</code></p>`,
      )
      : html`
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>name</th>
                <th>cron</th>
                <th>command</th>
                <th>queue</th>
                <th>status</th>
                <th class="num">next run</th>
                <th class="num">last run</th>
                <th></th>
              </tr>
            </thead>
            <tbody>${rows}</tbody>
          </table>
        </div>
      `}</div>
    <p
      class="muted">Each tick enqueues the job <code>&lt;name&gt;:&lt;tick in UTC&gt;</code>, exactly once; workers fire them.</p>
  `;
  return { title: "Schedules", section: "schedules", body };
}

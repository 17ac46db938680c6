/**
 * The overview: jobs per state, the last hour (completed and failed runs per minute as a chart,
 * counts, wait and run times), and every queue with its backlog and latency.
 * @module
 */

import { JOB_STATES, type QueueStore } from "../../queue/mod.ts";
import type { Percentiles, WindowStats } from "../../queue/stats.ts";
import { type Html, html, jsonScript } from "../html.ts";
import { badge, count, emptyState, formatSeconds, type PageContext } from "./components.ts";
import type { Page } from "./layout.ts";

const HOUR_MS = 3_600_000;

function times(p: Percentiles | null): Html {
  if (p === null) {
    return html`
      <td class="num muted">–</td>
      <td class="num muted">–</td>
      <td class="num muted">–</td>
    `;
  }
  return html`
    <td class="num">${formatSeconds(p.p50)}</td>
    <td class="num">${formatSeconds(p.p95)}</td>
    <td class="num">${formatSeconds(p.max)}</td>
  `;
}

function lastHour(total: WindowStats): Html {
  const stat = (label: string, value: string, state = "") =>
    html`
      <div class="stat ${state ? `state-${state}` : ""}">
        <div class="label">${label}</div>
        <div class="value">${value}</div>
      </div>
    `;
  return html`
    <div class="stat-row">${stat("enqueued", count(total.enqueued))}${stat(
      "completed",
      count(total.completed),
    )}${stat("failed runs", count(total.failed))}${stat("dead", count(total.dead))}${stat(
      "canceled",
      count(total.canceled),
    )}${stat("per minute", String(total.completed_per_minute))}</div>
    <table class="times">
      <thead>
        <tr>
          <th></th>
          <th class="num">p50</th>
          <th class="num">p95</th>
          <th class="num">max</th>
        </tr>
      </thead>
      <tbody>
        <tr><th>wait</th>${times(total.wait_seconds)}</tr>
        <tr><th>run</th>${times(total.run_seconds)}</tr>
      </tbody>
    </table>
    <p
      class="muted">Wait: from when a job was due to its start. Run: from start to end. Over the ${count(
        total.wait_seconds?.runs ?? 0,
      )} runs that ended in the last hour.</p>
  `;
}

/**
 * Renders the overview.
 * @param store The queue.
 * @param page The page's context.
 * @returns The page.
 */
export async function overviewPage(store: QueueStore, page: PageContext): Promise<Page> {
  const counts = await store.countJobs();
  const queues = await store.listQueues();
  const metrics = await store.metrics();
  const stats = await store.stats({ sinceMs: page.nowMs - HOUR_MS });
  const chart = {
    t: stats.minutes.map((m) => Date.parse(m.minute) / 1000),
    completed: stats.minutes.map((m) => m.completed),
    failed: stats.minutes.map((m) => m.failed),
  };
  const cards = [...JOB_STATES, "total" as const].map((state) =>
    html`
      <a class="card state-${state} ${counts[state] === 0 ? "zero" : ""}" href="${state === "total"
        ? "/jobs"
        : `/jobs?state=${state}`}"
        data-state="${state}"><div class="label">${state}</div><div class="value" data-count="${state}">${count(
          counts[state],
        )}</div></a>
    `
  );
  const workers = {
    running: metrics.workers.running ?? 0,
    stopping: metrics.workers.stopping ?? 0,
    stopped: metrics.workers.stopped,
    lost: metrics.workers.lost ?? 0,
  };
  const queueRows = queues.map((q) => {
    const latency = metrics.latency[q.name] ?? 0;
    return html`
      <tr>
        <td><a href="/jobs?queue=${encodeURIComponent(q.name)}">${q.name}</a></td>
        <td class="num">${count(q.pending)}</td>
        <td class="num">${count(q.waiting)}</td>
        <td class="num">${count(q.processing)}${q.concurrency > 0
          ? html`<span class="muted"> / ${q.concurrency}</span>`
          : ""}</td>
        <td class="num">${count(q.failed)}</td>
        <td class="num">${q.dead > 0
          ? html`<a href="/dlq?queue=${encodeURIComponent(q.name)}">${count(q.dead)}</a>`
          : "0"}</td>
        <td class="num">${count(q.completed)}</td>
        <td class="num">${latency > 0
          ? formatSeconds(latency)
          : html`<span class="muted">–</span>`}</td>
        <td>${q.paused ? badge("paused") : badge("active")}</td>
      </tr>
    `;
  });
  const body = html`
    <div class="page-head">
      <h1>Overview</h1>
    </div>
    <section id="overview-live" data-live>
      <div class="cards">${cards}</div>
      <div class="grid-2">
        <div
          class="panel"><div class="panel-head"><h2>Last hour</h2><span class="legend"><span class="state-completed">completed</span><span class="state-failed">failed runs</span></span><span class="aside">per minute</span></div>
    <div id="chart" class="chart" role="img" aria-label="Completed and failed runs per minute over the last hour"></div>
    ${jsonScript("chart-data", chart)}
        </div>
        <div
          class="panel"><div class="panel-head"><h2>Throughput and latency</h2><span class="aside">last hour</span></div>${lastHour(
            stats.total,
          )}</div>
      </div>
      <div class="panel flush">
        <div
          class="panel-head"><h2>Queues</h2><span class="aside"><a href="/queues">manage</a></span></div>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th>queue</th>
                <th class="num">pending</th>
                <th class="num">waiting</th>
                <th class="num">running</th>
                <th class="num">failed</th>
                <th class="num">dead</th>
                <th class="num">completed</th>
                <th class="num" title="Age of the oldest due pending job">latency</th>
                <th>status</th>
              </tr>
            </thead>
            <tbody>${queueRows}</tbody>
          </table>
        </div>
      </div>
      <div
        class="panel"><div class="panel-head"><h2>Workers</h2><span class="aside"><a href="/workers">all workers</a></span></div>
    ${workers.running === 0 && workers.stopping === 0 && workers.lost === 0
      ? emptyState(
        "No worker is running",
        html`<p>Jobs wait until one starts: <code>queuectl worker start --count 2</code></p>`,
      )
      : html`<p>${badge("running", `${workers.running} running`)} ${
        workers.stopping > 0 ? badge("stopping", `${workers.stopping} stopping`) : ""
      } ${
        workers.lost > 0 ? badge("lost", `${workers.lost} lost`) : ""
      } <span class="muted">${workers.stopped} stopped</span></p>`}</div>
    </section>
  `;
  return { title: "Overview", section: "overview", body, chart: true };
}

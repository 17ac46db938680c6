/**
 * The frame of every page: the head (assets served by queuectl, the CSRF token for the script),
 * the top bar with live counts, and the footer.
 * @module
 */

import { assetUrl } from "../assets.ts";
import { type Html, html } from "../html.ts";
import { count } from "./components.ts";

/** Where the navigation points. */
export type Section = "overview" | "jobs" | "dlq" | "queues" | "workers" | "schedules" | "none";

/** The counts the navigation shows on every page. */
export interface NavCounts {
  dead: number;
  processing: number;
  runningWorkers: number;
}

/** A page's own part. */
export interface Page {
  title: string;
  section: Section;
  body: Html;
  /** The page draws the chart: load uPlot. */
  chart?: boolean;
  status?: number;
}

/** What the frame needs besides the page. */
export interface FrameContext {
  csrf: string;
  version: number;
  /** The queue home, or `undefined` on a refusal. */
  home: string | undefined;
  /** The counts, or `undefined` on a page that must not show them (a refusal). */
  nav: NavCounts | undefined;
}

const LOGO = html`
  <svg viewBox="0 0 32 32" aria-hidden="true">
    <rect width="32" height="32" rx="7" fill="#2f6fde" />
    <rect x="7" y="8" width="18" height="4" rx="2" fill="#fff" />
    <rect x="7" y="14" width="13" height="4" rx="2" fill="#fff" opacity=".8" />
    <rect x="7" y="20" width="8" height="4" rx="2" fill="#fff" opacity=".6" />
  </svg>
`;

/**
 * The navigation with its counts: a live region, so the counts follow the queue.
 * @param section The page's section.
 * @param nav The counts (none are shown without them).
 * @returns The links.
 */
export function navigation(section: Section, nav: NavCounts | undefined): Html {
  const link = (key: Section, href: string, label: string, extra: Html | string = "") =>
    html`<a href="${href}" class="${key === section ? "active" : ""}">${label}${
      nav === undefined ? "" : extra
    }</a>`;
  nav ??= { dead: 0, processing: 0, runningWorkers: 0 };
  return html`${link("overview", "/", "Overview")}${
    link(
      "jobs",
      "/jobs",
      "Jobs",
      nav.processing > 0
        ? html`<span class="pill busy" title="running">${count(nav.processing)}</span>`
        : "",
    )
  }${
    link(
      "dlq",
      "/dlq",
      "Dead",
      html`<span class="pill ${nav.dead > 0 ? "alert" : ""}" id="nav-dead">${
        count(nav.dead)
      }</span>`,
    )
  }${link("queues", "/queues", "Queues")}${
    link(
      "workers",
      "/workers",
      "Workers",
      html`<span class="pill">${count(nav.runningWorkers)}</span>`,
    )
  }${link("schedules", "/schedules", "Schedules")}`;
}

/**
 * A whole page.
 * @param page The page's own part.
 * @param frame Token, version, home and counts.
 * @returns The document.
 */
export function layout(page: Page, frame: FrameContext): Html {
  return html`
    <!doctype html>
    <html lang="en">
      <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="csrf-token" content="${frame.csrf}">
    <title>${page.title} · queuectl</title>
    <link rel="icon" href="${assetUrl("favicon.svg")}" type="image/svg+xml">
    <link rel="stylesheet" href="${assetUrl("app.css")}">
    ${page.chart
      ? html`<link rel="stylesheet" href="${assetUrl("uplot.css")}">
<script src="${assetUrl("uplot.js")}" defer></script>`
      : ""}
    <script src="${assetUrl("app.js")}" defer></script>
      </head>
      <body data-version="${frame.version}">
        <header class="topbar">
          <a class="brand" href="/">${LOGO}queuectl</a>
          <nav id="nav" data-live>${navigation(page.section, frame.nav)}</nav>
          <span class="live" id="live-status" data-state="connecting"
            title="Updates as the queue changes">connecting…</span>
        </header>
        <main>
    ${page.body}
        </main>
        <footer>${frame.home === undefined
          ? ""
          : html`<span>home <code>${frame.home}</code></span>`}<a href="/metrics">/metrics</a><a
            href="/api/status">/api/status</a></footer>
        <div id="toasts" aria-live="polite"></div>
      </body>
    </html>
  `;
}

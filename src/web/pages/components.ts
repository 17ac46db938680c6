/**
 * Pieces every page uses: state badges, times (made relative by the page's script), durations,
 * POST forms with the CSRF token, pagers and empty states. All built with `html`, so every value
 * is escaped.
 * @module
 */

import { CSRF_FIELD } from "../auth.ts";
import { type Html, html, type HtmlValue } from "../html.ts";

/** What every page is rendered with. */
export interface PageContext {
  /** The per-process token forms carry. */
  csrf: string;
  /** The page's URL (forms come back to it). */
  url: URL;
  /** The current time, epoch ms. */
  nowMs: number;
}

/**
 * A job's state, or a worker's or a run's outcome, as a coloured badge.
 * @param state e.g. `dead`.
 * @param label The text, when not the state itself.
 * @returns The badge.
 */
export function badge(state: string, label: string = state): Html {
  return html`<span class="badge state-${state}">${label}</span>`;
}

/**
 * A time the page's script shows relative to now ("3m ago"), with the local time on hover. The
 * text without the script is the UTC time.
 * @param iso An ISO 8601 time, or `null`.
 * @returns The element, or a dash.
 */
export function timeAgo(iso: string | null | undefined): Html {
  if (!iso) return html`<span class="muted">–</span>`;
  const shown = `${iso.slice(0, 19).replace("T", " ")} UTC`;
  return html`<time datetime="${iso}" title="${iso}">${shown}</time>`;
}

/**
 * A duration for people.
 * @param seconds The duration.
 * @returns e.g. `120ms`, `4.2s`, `3m 5s`, `2h 4m`.
 */
export function formatSeconds(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds < 60) return `${(Math.round(seconds * 10) / 10).toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/**
 * A count with thousands separators.
 * @param n The count.
 * @returns e.g. `100,000`.
 */
export function count(n: number): string {
  return n.toLocaleString("en-US");
}

/**
 * The link to a job's page.
 * @param id The job's id.
 * @returns The path.
 */
export function jobPath(id: string): string {
  return `/jobs/${encodeURIComponent(id)}`;
}

/**
 * A link to a job, its id in monospace.
 * @param id The job's id.
 * @returns The link.
 */
export function jobLink(id: string): Html {
  return html`<a class="mono" href="${jobPath(id)}">${id}</a>`;
}

/** Options of an action button. */
export interface ActionOptions {
  /** Asked before the change (a browser `confirm`). */
  confirm?: string;
  /** Button style: `primary`, `danger`, `small`… */
  className?: string;
  /** More fields (e.g. the concurrency input). */
  fields?: HtmlValue;
  /** Where to go afterwards, when not back to this page. */
  returnTo?: string;
}

/**
 * A state change: a POST form with the CSRF token, one button. With the page's script it is sent
 * without leaving the page; without it, the answer sends the browser back to this page.
 * @param page The page's context.
 * @param action The path it posts to.
 * @param label The button's text.
 * @param options Confirmation, style, more fields.
 * @returns The form.
 */
export function actionForm(
  page: PageContext,
  action: string,
  label: string,
  options: ActionOptions = {},
): Html {
  const back = options.returnTo ?? page.url.pathname + page.url.search;
  return html`
    <form class="inline" method="post" action="${action}"
      ${options.confirm
        ? html`
          data-confirm="${options.confirm}"
        `
        : ""}><input type="hidden" name="${CSRF_FIELD}" value="${page
        .csrf}"><input type="hidden" name="return" value="${back}">${options
        .fields}<button class="btn ${options.className ??
        ""}" type="submit">${label}</button></form>
  `;
}

/**
 * The URL of this page with some query parameters changed.
 * @param url The page's URL.
 * @param changes Parameters to set; `undefined` or `""` removes one.
 * @returns A path with its query.
 */
export function withParams(url: URL, changes: Record<string, string | number | undefined>): string {
  const next = new URL(url);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || value === "") next.searchParams.delete(key);
    else next.searchParams.set(key, String(value));
  }
  const search = next.searchParams.toString();
  return next.pathname + (search ? `?${search}` : "");
}

/**
 * The bar under a paged table.
 * @param url The page's URL (`page` is its parameter).
 * @param page The page shown, from 1.
 * @param pageSize Rows per page.
 * @param shown Rows on this page.
 * @param hasMore Whether there is a next page.
 * @param total Matching rows in all, when known.
 * @returns The bar.
 */
export function pager(
  url: URL,
  page: number,
  pageSize: number,
  shown: number,
  hasMore: boolean,
  total: number | undefined,
): Html {
  const first = (page - 1) * pageSize + 1;
  const range = shown === 0 ? "none" : `${count(first)}–${count(first + shown - 1)}`;
  return html`
    <div
      class="pager"><span>${range}${total === undefined
        ? ""
        : ` of ${count(total)}`}</span><span class="links">${page > 1
        ? html`<a class="btn small" href="${
          withParams(url, { page: page > 2 ? page - 1 : undefined })
        }">← Newer</a>`
        : ""}${hasMore
        ? html`<a class="btn small" href="${withParams(url, { page: page + 1 })}">Older →</a>`
        : ""}</span></div>
  `;
}

/**
 * What a table shows when it has no rows.
 * @param title One line.
 * @param hint What to do about it.
 * @returns The block.
 */
export function emptyState(title: string, hint?: HtmlValue): Html {
  return html`<div class="empty"><strong>${title}</strong>${hint ?? ""}</div>`;
}

/**
 * The page number from `?page=`, 1 when absent or malformed.
 * @param url The page's URL.
 * @returns The page, from 1 (at most 100,000).
 */
export function pageNumber(url: URL): number {
  const n = Number(url.searchParams.get("page") ?? "1");
  return Number.isSafeInteger(n) && n >= 1 ? Math.min(n, 100_000) : 1;
}

/**
 * A command as a table cell shows it: one line, cut at 200 characters (the title has it whole).
 * @param command The command.
 * @returns The cell's text.
 */
export function oneLine(command: string, max = 200): string {
  const line = command.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

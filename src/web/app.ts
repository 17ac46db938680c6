/**
 * The dashboard as a request handler, without the network: every request passes the access
 * checks (Host, token; for a POST its origin and CSRF token), then the router sends it to a page,
 * an `/api/…` answer, `/metrics`, an action or a live stream. Every answer carries headers that
 * keep the pages to their own origin (a Content-Security-Policy without inline script).
 * @module
 */

import { workerViews } from "../cli/worker_views.ts";
import { NotFoundError, QueueError, ValidationError } from "../errors.ts";
import type { LivenessProbe, QueueStore } from "../queue/mod.ts";
import { localLivenessProbe } from "../worker/liveness.ts";
import { ACTIONS, localReturnPath } from "./actions.ts";
import { apiJobs, apiLogs, apiStats, apiStatus } from "./api.ts";
import { assetResponse } from "./assets.ts";
import {
  type AccessRules,
  checkCsrf,
  checkHost,
  checkSameOrigin,
  checkToken,
  CSRF_FIELD,
  CSRF_HEADER,
  type Denial,
  loopbackHosts,
  newToken,
} from "./auth.ts";
import { type ChangeSource, LiveHub } from "./live_hub.ts";
import { runLogPath } from "./log_file.ts";
import { logStreamResponse } from "./log_stream.ts";
import { metricsText, RunHistograms } from "./metrics_text.ts";
import type { PageContext } from "./pages/components.ts";
import { errorPage } from "./pages/error_page.ts";
import { jobPage } from "./pages/job.ts";
import { dlqPage, jobsPage } from "./pages/jobs.ts";
import { layout, type Page } from "./pages/layout.ts";
import { overviewPage } from "./pages/overview.ts";
import { queuesPage } from "./pages/queues.ts";
import { schedulesPage } from "./pages/schedules.ts";
import { workersPage } from "./pages/workers.ts";
import { type RouteContext, Router } from "./router.ts";

/** How to build a dashboard. */
export interface DashboardOptions {
  store: QueueStore;
  /** The queue home (job logs). */
  home: string;
  /** The access token, or `undefined` for none (loopback only). */
  token: string | undefined;
  /** Where changes come from: the journal watcher. */
  source: ChangeSource;
  /** Tells whether a worker's process is alive (default: by pid, on this host). */
  probe?: LivenessProbe;
  now?: () => number;
  /** Where unexpected errors go (default: stderr). */
  onError?: (error: unknown) => void;
  /** Update pacing of the live hub (tests make it quick). */
  debounceMs?: number;
  minGapMs?: number;
  /** How often a live log looks at its file. */
  logPollMs?: number;
}

/** A page rendered for a version of the queue, shared by every page that asks again. */
interface CachedPage {
  version: number;
  atMs: number;
  body: string;
}

/** Longest a rendered page is reused while nothing changed (its "so far" times move). */
const PAGE_CACHE_MS = 5000;
const PAGE_CACHE_ENTRIES = 64;
/** Largest form a POST may send. */
const MAX_FORM_BYTES = 16 * 1024;

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; " +
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; " +
    "base-uri 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
};

type Handler = (context: RouteContext) => Promise<Response> | Response;

/** The dashboard: its rules, its routes, its live hub. Call `close()` when done. */
export class Dashboard {
  /** The per-process token every POST carries. */
  readonly csrfToken: string = newToken();
  readonly hub: LiveHub;
  #store: QueueStore;
  #home: string;
  #token: string | undefined;
  #rules: AccessRules;
  #router = new Router();
  #histograms = new RunHistograms();
  #cache = new Map<string, CachedPage>();
  #streams = new Set<() => void>();
  #probe: LivenessProbe;
  #now: () => number;
  #onError: (error: unknown) => void;
  #logPollMs: number | undefined;

  private constructor(options: DashboardOptions) {
    this.#store = options.store;
    this.#home = options.home;
    this.#token = options.token;
    this.#probe = options.probe ?? localLivenessProbe();
    this.#now = options.now ?? Date.now;
    this.#logPollMs = options.logPollMs;
    // deno-lint-ignore no-console
    this.#onError = options.onError ?? ((error) => console.error(`queuectl dashboard: ${error}`));
    this.#rules = {
      token: options.token,
      csrfToken: this.csrfToken,
      allowedHosts: new Set(), // nothing until the address is known
      cookieName: "queuectl_token",
    };
    this.hub = new LiveHub({
      source: options.source,
      refresh: () => this.#store.countJobs(),
      ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }),
      ...(options.minGapMs === undefined ? {} : { minGapMs: options.minGapMs }),
    });
    this.#routes();
  }

  /**
   * Builds a dashboard on an open store: reads the queue once, so the first page is quick.
   * @param options The store, the home, the token, the change source.
   * @returns The dashboard; call `listening()` once the address is known.
   */
  static async create(options: DashboardOptions): Promise<Dashboard> {
    const dashboard = new Dashboard(options);
    await dashboard.hub.updateNow();
    dashboard.#histograms.fold((await options.store.metrics()).samples);
    return dashboard;
  }

  /**
   * Tells the dashboard where it listens: without a token, only Host headers naming this address
   * (and this machine's loopback names) are served; the cookie is per port.
   * @param hostname The host it listens on.
   * @param port The port it got.
   */
  listening(hostname: string, port: number): void {
    this.#rules = {
      ...this.#rules,
      allowedHosts: this.#token === undefined ? loopbackHosts(hostname, port) : undefined,
      cookieName: `queuectl_token_${port}`,
    };
  }

  /**
   * Answers one request.
   * @param request The request.
   * @returns The response, with the security headers.
   */
  async handle(request: Request): Promise<Response> {
    let response: Response;
    try {
      response = await this.#handle(request);
    } catch (error) {
      response = this.#errorResponse(request, error);
    }
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      if (!response.headers.has(name)) response.headers.set(name, value);
    }
    if (!response.headers.has("cache-control")) response.headers.set("cache-control", "no-store");
    if (request.method === "HEAD" && response.body) {
      await response.body.cancel();
      return new Response(null, { status: response.status, headers: response.headers });
    }
    return response;
  }

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const host = checkHost(request, this.#rules);
    if (host) return this.#denied(request, host);
    const verdict = checkToken(request, url, this.#rules);
    if (verdict.kind === "denied") {
      const response = this.#denied(request, verdict.denial);
      response.headers.set("www-authenticate", 'Bearer realm="queuectl"');
      return response;
    }
    if (verdict.kind === "redirect") {
      return new Response(null, {
        status: 303,
        headers: { location: verdict.location, "set-cookie": verdict.cookie },
      });
    }
    const found = this.#router.match(request.method, url.pathname);
    if (found.kind === "none") {
      return this.#denied(request, { status: 404, message: `Nothing at ${url.pathname}` });
    }
    if (found.kind === "method") {
      const response = this.#denied(request, {
        status: 405,
        message: `${request.method} is not allowed here (${found.allowed.join(", ")})`,
      });
      response.headers.set("allow", found.allowed.join(", "));
      return response;
    }
    return await found.handler({ request, url, params: found.params });
  }

  #routes(): void {
    const r = this.#router;
    const page =
      (render: (context: RouteContext, page: PageContext) => Promise<Page> | Page): Handler =>
      (context) => this.#page(context, render);
    r.add("GET", "/", page((_, p) => overviewPage(this.#store, p)));
    r.add("GET", "/jobs", page((_, p) => jobsPage(this.#store, p)));
    r.add(
      "GET",
      "/jobs/:id",
      page(({ params }, p) => jobPage(this.#store, this.#home, params.id!, p)),
    );
    r.add("GET", "/dlq", page((_, p) => dlqPage(this.#store, p)));
    r.add(
      "GET",
      "/queues",
      page(async (_, p) => {
        const queues = await this.#store.listQueues();
        return queuesPage(queues, (await this.#store.metrics()).latency, p);
      }),
    );
    r.add(
      "GET",
      "/workers",
      page(async (_, p) => {
        const workers = await this.#store.listWorkers();
        return workersPage(workers, await workerViews(workers, this.#probe), p);
      }),
    );
    r.add(
      "GET",
      "/schedules",
      page(async (_, p) => schedulesPage(await this.#store.listSchedules(), p)),
    );
    r.add("GET", "/jobs/:id/log", ({ params, url }) => this.#rawLog(params.id!, url));
    r.add("GET", "/jobs/:id/log/stream", ({ params, url }) => this.#logStream(params.id!, url));
    r.add("GET", "/events", () => this.hub.connect());
    r.add(
      "GET",
      "/healthz",
      () => new Response("ok\n", { headers: { "content-type": "text/plain; charset=utf-8" } }),
    );
    r.add("GET", "/metrics", async () => {
      const metrics = await this.#store.metrics();
      this.#histograms.fold(metrics.samples);
      return new Response(metricsText(metrics, this.#histograms), {
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
      });
    });
    r.add(
      "GET",
      "/assets/:name",
      ({ request, url, params }) =>
        assetResponse(params.name!, request, url) ??
          this.#denied(request, { status: 404, message: `No asset ${params.name}` }),
    );
    r.add("GET", "/favicon.ico", ({ request, url }) => assetResponse("favicon.svg", request, url)!);
    const api = (answer: (context: RouteContext) => Promise<unknown>): Handler => async (context) =>
      json(await answer(context));
    r.add("GET", "/api/status", api(() => apiStatus(this.#store, this.#probe)));
    r.add("GET", "/api/jobs", api(({ url }) => apiJobs(this.#store, url)));
    r.add("GET", "/api/jobs/:id", api(({ params }) => this.#store.getJob(params.id!)));
    r.add(
      "GET",
      "/api/jobs/:id/logs",
      api(({ params, url }) => apiLogs(this.#store, this.#home, params.id!, url)),
    );
    r.add("GET", "/api/dlq", api(({ url }) => apiJobs(this.#store, url, "dead")));
    r.add("GET", "/api/queues", api(() => this.#store.listQueues()));
    r.add(
      "GET",
      "/api/workers",
      api(async () => (await apiStatus(this.#store, this.#probe)).workers),
    );
    r.add("GET", "/api/schedules", api(() => this.#store.listSchedules()));
    r.add("GET", "/api/stats", api(({ url }) => apiStats(this.#store, url, this.#now())));
    for (const [path, action] of ACTIONS) {
      r.add("POST", path, (context) => this.#action(context, action));
    }
  }

  async #page(
    context: RouteContext,
    render: (context: RouteContext, page: PageContext) => Promise<Page> | Page,
  ): Promise<Response> {
    const key = context.url.pathname + context.url.search;
    const nowMs = this.#now();
    const version = this.hub.version;
    // The version follows the queue only while the hub watches (someone follows it live).
    const cacheable = this.hub.watching;
    const cached = cacheable ? this.#cache.get(key) : undefined;
    if (cached && cached.version === version && nowMs - cached.atMs < PAGE_CACHE_MS) {
      return htmlResponse(cached.body, 200);
    }
    const pageContext: PageContext = { csrf: this.csrfToken, url: context.url, nowMs };
    const page = await render(context, pageContext);
    const body = await this.#frame(page);
    if (page.status === undefined && cacheable) {
      this.#cache.delete(key);
      this.#cache.set(key, { version, atMs: nowMs, body });
      if (this.#cache.size > PAGE_CACHE_ENTRIES) {
        this.#cache.delete(this.#cache.keys().next().value!);
      }
    }
    return htmlResponse(body, page.status ?? 200);
  }

  async #frame(page: Page): Promise<string> {
    const counts = await this.#store.countJobs();
    const workers = await this.#store.listWorkers();
    return layout(page, {
      csrf: this.csrfToken,
      version: this.hub.version,
      home: this.#home,
      nav: {
        dead: counts.dead,
        processing: counts.processing,
        runningWorkers: workers.filter((w) => w.status === "running").length,
      },
    }).value;
  }

  async #action(
    context: RouteContext,
    action: (typeof ACTIONS)[number][1],
  ): Promise<Response> {
    const { request } = context;
    const origin = checkSameOrigin(request);
    if (origin) return this.#denied(request, origin);
    const length = Number(request.headers.get("content-length") ?? "0");
    if (length > MAX_FORM_BYTES) {
      return this.#denied(request, { status: 413, message: "The form is too large" });
    }
    const type = request.headers.get("content-type") ?? "";
    const text = await request.text();
    if (text.length > MAX_FORM_BYTES) {
      return this.#denied(request, { status: 413, message: "The form is too large" });
    }
    const form = type.startsWith("application/x-www-form-urlencoded") || text === ""
      ? new URLSearchParams(text)
      : new URLSearchParams();
    const csrf = checkCsrf(request.headers.get(CSRF_HEADER) ?? form.get(CSRF_FIELD), this.#rules);
    if (csrf) return this.#denied(request, csrf);
    const result = await action({ ...context, store: this.#store, form });
    this.#cache.clear(); // the next page shows the change, not the page from before it
    this.hub.notify();
    if (wantsJson(request)) return json({ ok: true, message: result.message });
    return new Response(null, {
      status: 303,
      headers: { location: localReturnPath(form.get("return")) },
    });
  }

  async #rawLog(id: string, url: URL): Promise<Response> {
    const job = await this.#store.getJob(id);
    const run = Number(url.searchParams.get("run") ?? job.history.at(-1)?.attempt ?? 0);
    if (!Number.isSafeInteger(run) || run < 1 || run > job.runs) {
      throw new NotFoundError(`Job "${id}" has no run ${url.searchParams.get("run") ?? ""}`.trim());
    }
    const path = await runLogPath(this.#home, id, run);
    // A run on another machine: the store's copy of its output (its last 1 MiB), if it keeps one.
    const body = path === undefined
      ? (await this.#store.readLog(id, run))?.data
      : (await Deno.open(path, { read: true })).readable;
    if (body === undefined) throw new NotFoundError(`No output kept for job "${id}" run ${run}`);
    return new Response(body, {
      headers: {
        "content-type": "text/plain; charset=utf-8",
        "content-disposition": `inline; filename="${id}.${run}.log"`,
      },
    });
  }

  async #logStream(id: string, url: URL): Promise<Response> {
    const job = await this.#store.getJob(id);
    const run = Number(url.searchParams.get("run"));
    const offset = Number(url.searchParams.get("offset") ?? "0");
    if (!job.history.some((a) => a.attempt === run)) {
      throw new NotFoundError(`Job "${id}" has no run ${url.searchParams.get("run") ?? ""}`.trim());
    }
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new ValidationError(`Parameter "offset" must be a byte offset`);
    }
    return logStreamResponse({
      store: this.#store,
      home: this.#home,
      hub: this.hub,
      jobId: id,
      run,
      offset,
      ...(this.#logPollMs === undefined ? {} : { pollMs: this.#logPollMs }),
      track: (close) => {
        this.#streams.add(close);
        return () => this.#streams.delete(close);
      },
    });
  }

  #denied(request: Request, denial: Denial): Response {
    if (wantsHtml(request)) {
      const page = errorPage(denial.status, denial.message);
      return htmlResponse(
        layout(page, {
          csrf: "",
          version: this.hub.version,
          home: undefined, // a refusal shows nothing of the queue
          nav: undefined,
        }).value,
        denial.status,
      );
    }
    return json({ error: denial.message }, denial.status);
  }

  #errorResponse(request: Request, error: unknown): Response {
    if (error instanceof NotFoundError) {
      return this.#denied(request, { status: 404, message: error.message });
    }
    if (error instanceof ValidationError) {
      // A change that does not apply now (a job in another state) conflicts; a bad query is bad.
      const status = request.method === "POST" ? 409 : 400;
      return this.#denied(request, { status, message: error.message });
    }
    if (error instanceof RangeError) {
      return this.#denied(request, { status: 400, message: error.message });
    }
    this.#onError(error);
    const message = error instanceof QueueError
      ? error.message
      : "The dashboard could not answer: see its terminal";
    return this.#denied(request, { status: 500, message });
  }

  /** Ends every live stream and stops watching, so that the server can shut down. */
  async close(): Promise<void> {
    for (const close of [...this.#streams]) close();
    await this.hub.close();
  }
}

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

function htmlResponse(body: string, status: number): Response {
  return new Response(body, { status, headers: { "content-type": "text/html; charset=utf-8" } });
}

/** A page asked for by a browser (not the API, not a script's fetch). */
function wantsHtml(request: Request): boolean {
  const path = new URL(request.url).pathname;
  if (path.startsWith("/api/") || path === "/metrics" || path === "/healthz") return false;
  return (request.headers.get("accept") ?? "").includes("text/html");
}

function wantsJson(request: Request): boolean {
  return (request.headers.get("accept") ?? "").includes("application/json");
}

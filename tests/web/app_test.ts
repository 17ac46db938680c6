/**
 * The dashboard as a request handler, on a real queue home, without the network: pages, the rules
 * every request passes, what a POST must carry, that no GET changes anything, escaping, the live
 * log, and the `/api/…` answers against the CLI's `--json`.
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { attemptLogPath } from "../../src/home/layout.ts";
import { openPrivateAppend } from "../../src/home/private_file.ts";
import { JournalQueueStore } from "../../src/queue/mod.ts";
import { Dashboard } from "../../src/web/app.ts";
import { withTempHome } from "../_temp_home.ts";
import { json as cliJson } from "../cli/_cli.ts";
import { SUCCESS } from "../queue/_store.ts";
import { parsePrometheus, sampleValue } from "./_prometheus.ts";

const ORIGIN = "http://127.0.0.1:7070";
const XSS = `echo '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'`;

interface Fixture {
  dashboard: Dashboard;
  store: JournalQueueStore;
  home: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  post(
    path: string,
    form?: Record<string, string>,
    headers?: Record<string, string>,
  ): Promise<Response>;
}

function withDashboard(
  body: (fixture: Fixture) => Promise<void>,
  options: { token?: string; hostname?: string } = {},
): Promise<void> {
  return withTempHome(async (home) => {
    const store = await JournalQueueStore.open(home);
    const dashboard = await Dashboard.create({
      store,
      home,
      token: options.token,
      source: () => ({ close() {} }),
      probe: () => Promise.resolve(undefined),
      debounceMs: 1,
      minGapMs: 0,
      logPollMs: 20,
    });
    dashboard.listening(options.hostname ?? "127.0.0.1", 7070);
    const request = (path: string, init: RequestInit, headers: Record<string, string>) =>
      dashboard.handle(
        new Request(`${ORIGIN}${path}`, {
          ...init,
          headers: { host: "127.0.0.1:7070", accept: "text/html", ...headers },
        }),
      );
    const fixture: Fixture = {
      dashboard,
      store,
      home,
      get: (path, headers = {}) => request(path, { method: "GET" }, headers),
      post: (path, form = {}, headers = {}) =>
        request(path, {
          method: "POST",
          body: new URLSearchParams({ csrf: dashboard.csrfToken, ...form }),
        }, {
          "content-type": "application/x-www-form-urlencoded",
          origin: ORIGIN,
          ...headers,
        }),
    };
    try {
      await body(fixture);
    } finally {
      await dashboard.close();
      await store.close();
    }
  });
}

async function seed(store: JournalQueueStore): Promise<void> {
  await store.enqueue([
    { id: "hello", command: "echo hello" },
    { id: "xss", command: XSS, queue: "web" },
    { id: "after", command: "true", depends_on: ["hello"] },
  ], { cwd: "/tmp" });
  await store.addSchedule({
    name: "nightly",
    cron: "0 3 * * *",
    timezone: "UTC",
    job: { command: "backup.sh" },
  }, false);
}

const PAGES = [
  "/",
  "/jobs",
  "/jobs?state=pending&queue=web&q=echo&page=1",
  "/jobs/hello",
  "/jobs/xss",
  "/dlq",
  "/queues",
  "/workers",
  "/schedules",
];

Deno.test("every page answers 200 with the security headers, and hostile text stays text", async () => {
  await withDashboard(async ({ store, get }) => {
    await seed(store);
    for (const path of PAGES) {
      const response = await get(path);
      const body = await response.text();
      assert.equal(response.status, 200, `${path}: ${body.slice(0, 300)}`);
      assert.match(response.headers.get("content-type")!, /^text\/html/);
      assert.match(response.headers.get("content-security-policy")!, /script-src 'self';/);
      assert.equal(response.headers.get("x-frame-options"), "DENY");
      assert.equal(response.headers.get("cache-control"), "no-store");
      assert.ok(!body.includes("<script>window.pwned"), `${path} escapes the job's command`);
      assert.ok(!body.includes("<img src=x"), `${path} escapes the job's command`);
      // Only our own scripts: the asset tags and the chart's JSON.
      for (const tag of body.match(/<script[^>]*>/g) ?? []) {
        assert.match(
          tag,
          /^<script (src="\/assets\/[a-z.]+\?v=[0-9a-f]{8}" defer|type="application\/json" id="chart-data")>$/,
        );
      }
    }
    const page = await (await get("/jobs/xss")).text();
    assert.ok(page.includes("&lt;script&gt;window.pwned=1&lt;/script&gt;"));
  });
});

Deno.test("a job's page shows its output escaped, its dependents and its runs", async () => {
  await withDashboard(async ({ store, home, get }) => {
    await seed(store);
    const claim = (await store.claimNext("w1"))!;
    assert.equal(claim.job.id, "hello");
    const log = await openPrivateAppend(attemptLogPath(home, "hello", 1), home);
    await log.write(new TextEncoder().encode("hi <b>there</b>\n\x1b[32mgreen\x1b[0m\n"));
    log.close();
    await store.settle(claim, SUCCESS);
    const page = await (await get("/jobs/hello")).text();
    assert.ok(
      page.includes("hi &lt;b&gt;there&lt;/b&gt;\ngreen\n"),
      "the log, escaped, colours removed",
    );
    assert.match(page, /href="\/jobs\/after"/);
    assert.match(page, /Output of run #1/);
    const raw = await get("/jobs/hello/log?run=1");
    assert.equal(raw.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(raw.headers.get("x-content-type-options"), "nosniff");
    assert.equal(await raw.text(), "hi <b>there</b>\n\x1b[32mgreen\x1b[0m\n");
    assert.equal((await get("/jobs/nope")).status, 404);
    assert.equal((await get("/jobs/hello/log?run=7")).status, 404);
  });
});

Deno.test("no GET changes anything: the journal is the same after every route was asked", async () => {
  await withDashboard(async ({ store, home, get }) => {
    await seed(store);
    await store.claimNext("w1");
    const journal = join(home, "journal.jsonl");
    const before = await Deno.readFile(journal);
    const paths = [
      ...PAGES,
      "/jobs/hello/retry",
      "/jobs/hello/cancel",
      "/jobs/retry-all?state=dead",
      "/dlq/retry-all",
      "/dlq/hello/retry",
      "/queues/default/pause",
      "/queues/default/concurrency?concurrency=1",
      "/schedules/nightly/pause",
      "/metrics",
      "/healthz",
      "/api/status",
      "/api/jobs",
      "/api/queues",
      "/api/schedules",
      "/api/stats",
      "/api/dlq",
      "/api/workers",
      "/api/jobs/hello",
    ];
    for (const path of paths) {
      const response = await get(path);
      await response.body?.cancel();
      if (path === "/jobs/retry-all?state=dead") {
        assert.equal(response.status, 404, "a job page, for a job that does not exist");
      } else if (/retry|cancel|pause|concurrency/.test(path)) {
        assert.equal(response.status, 405, path);
        assert.equal(response.headers.get("allow"), "POST");
      }
    }
    assert.deepEqual(await Deno.readFile(journal), before);
  });
});

Deno.test("a POST needs the same origin and the CSRF token; then it changes the queue", async () => {
  await withDashboard(async ({ store, post, dashboard }) => {
    await seed(store);
    const paused = async () => (await store.listQueues()).find((q) => q.name === "web")?.paused;
    const refused = [
      await post("/queues/web/pause", {}, { origin: "http://evil.example" }),
      await post("/queues/web/pause", {}, { origin: "" }),
      await post("/queues/web/pause", { csrf: "" }),
      await post("/queues/web/pause", { csrf: "forged" }),
    ];
    for (const response of refused) {
      assert.equal(response.status, 403);
      await response.body?.cancel();
    }
    assert.equal(await paused(), false, "nothing changed");
    const json = await post("/queues/web/pause", {}, { accept: "application/json" });
    assert.equal(json.status, 200);
    assert.deepEqual(await json.json(), {
      ok: true,
      message: "Queue web is paused: running jobs finish, no new one starts",
    });
    assert.equal(await paused(), true);
    // A form without the page's script: back where it came from.
    const form = await post("/queues/web/resume", { return: "/queues?x=1" });
    assert.equal(form.status, 303);
    assert.equal(form.headers.get("location"), "/queues?x=1");
    assert.equal(await paused(), false);
    const offsite = await post("/queues/web/pause", { return: "//evil.example/" });
    assert.equal(offsite.headers.get("location"), "/");
    // The token can come as a header instead (what the page's script sends).
    const header = await post("/queues/web/concurrency", { csrf: "", concurrency: "2" }, {
      "x-csrf-token": dashboard.csrfToken,
      accept: "application/json",
    });
    assert.equal(header.status, 200);
    await header.body?.cancel();
  });
});

Deno.test("actions: retry from the DLQ, cancel, concurrency, schedules, with clear refusals", async () => {
  await withDashboard(async ({ store, post }) => {
    await seed(store);
    const answer = async (path: string, form: Record<string, string> = {}) => {
      const response = await post(path, form, { accept: "application/json" });
      return { status: response.status, ...(await response.json()) };
    };
    assert.deepEqual(await answer("/jobs/hello/cancel"), {
      status: 200,
      ok: true,
      message: "hello is canceled, with 1 job that waited for it",
    });
    assert.equal((await store.getJob("after")).state, "canceled");
    assert.equal((await answer("/jobs/hello/cancel")).status, 409);
    assert.match((await answer("/dlq/hello/retry")).error, /not in the dead letter queue/);
    assert.deepEqual(await answer("/jobs/hello/retry"), {
      status: 200,
      ok: true,
      message: "hello is pending again, with 1 job that waits for it",
    });
    assert.equal((await answer("/jobs/nope/retry")).status, 404);
    assert.equal((await answer("/queues/web/concurrency", { concurrency: "3" })).ok, true);
    assert.equal((await store.listQueues()).find((q) => q.name === "web")?.concurrency, 3);
    assert.equal((await answer("/queues/web/concurrency", { concurrency: "-1" })).status, 409);
    assert.equal((await answer("/queues/bad%20name/pause")).status, 409);
    assert.equal((await answer("/schedules/nightly/pause")).ok, true);
    assert.equal((await store.listSchedules())[0]!.paused, true);
    assert.equal((await answer("/schedules/none/pause")).status, 404);
    assert.equal((await answer("/jobs/retry-all?state=pending")).status, 409);
    assert.deepEqual(await answer("/dlq/retry-all"), {
      status: 200,
      ok: true,
      message: "The dead letter queue is empty",
    });
  });
});

Deno.test("with a token, every request needs it: bearer, cookie, or ?token= once", async () => {
  const token = "t0ken-for-the-test-0123456789";
  await withDashboard(async ({ get, home }) => {
    for (const path of ["/", "/metrics", "/healthz", "/api/status", "/events", "/assets/app.css"]) {
      const response = await get(path, { accept: "*/*" });
      assert.equal(response.status, 401, path);
      assert.equal(response.headers.get("www-authenticate"), 'Bearer realm="queuectl"');
      await response.body?.cancel();
    }
    const page = await get("/");
    assert.equal(page.status, 401);
    const refusal = await page.text();
    assert.match(refusal, /Access token needed/);
    assert.ok(!refusal.includes(home), "a refusal shows nothing of the queue, not even its home");
    const bearer = await get("/healthz", { authorization: `Bearer ${token}` });
    assert.equal(await bearer.text(), "ok\n");
    const open = await get(`/jobs?token=${token}`);
    assert.equal(open.status, 303);
    assert.equal(open.headers.get("location"), "/jobs");
    const cookie = open.headers.get("set-cookie")!.split(";")[0]!;
    assert.equal(cookie, `queuectl_token_7070=${token}`);
    assert.equal((await get("/jobs", { cookie })).status, 200);
    // Another Host is fine with a token (a proxy in front): the token is the guard.
    const proxied = await get("/healthz", { host: "queue.example", cookie });
    assert.equal(proxied.status, 200);
    await proxied.body?.cancel();
  }, { token, hostname: "0.0.0.0" });
});

Deno.test("without a token, a Host that is not this machine is refused (DNS rebinding)", async () => {
  await withDashboard(async ({ get }) => {
    const response = await get("/api/status", { host: "attacker.example:7070" });
    assert.equal(response.status, 421);
    assert.match((await response.json()).error, /not this dashboard's address/);
    const local = await get("/healthz", { host: "localhost:7070" });
    assert.equal(local.status, 200);
    await local.body?.cancel();
  });
});

Deno.test("/metrics, /healthz, HEAD and the assets", async () => {
  await withDashboard(async ({ store, get, dashboard }) => {
    await seed(store);
    const metrics = await get("/metrics");
    assert.equal(metrics.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const parsed = parsePrometheus(await metrics.text());
    assert.equal(sampleValue(parsed, "queuectl_jobs", { queue: "web", state: "pending" }), 1);
    assert.equal(sampleValue(parsed, "queuectl_jobs_enqueued_total", { queue: "default" }), 2);
    const head = await dashboard.handle(
      new Request(`${ORIGIN}/healthz`, { method: "HEAD", headers: { host: "127.0.0.1:7070" } }),
    );
    assert.equal(head.status, 200);
    assert.equal(head.body, null);
    for (const name of ["app.css", "app.js", "uplot.js", "uplot.css", "favicon.svg"]) {
      const asset = await get(`/assets/${name}`);
      assert.equal(asset.status, 200, name);
      assert.ok((await asset.text()).length > 100, name);
      const etag = asset.headers.get("etag")!;
      const again = await get(`/assets/${name}`, { "if-none-match": etag });
      assert.equal(again.status, 304);
    }
    assert.equal((await get("/assets/nope.js")).status, 404);
  });
});

Deno.test("a running job's output streams as it grows, and the stream ends with the run", async () => {
  await withDashboard(async ({ store, home, get, dashboard }) => {
    await seed(store);
    const claim = (await store.claimNext("w1"))!;
    const log = await openPrivateAppend(attemptLogPath(home, "hello", 1), home);
    await log.write(new TextEncoder().encode("first\n"));
    const page = await (await get("/jobs/hello")).text();
    const stream = /data-stream="([^"]+)"/.exec(page)?.[1]?.replaceAll("&amp;", "&");
    assert.equal(stream, "/jobs/hello/log/stream?run=1&offset=6");
    const response = await get(stream!, { accept: "text/event-stream" });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const until = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${pattern}: ${text}`);
        text += value;
      }
    };
    await log.write(new TextEncoder().encode("<second>\n"));
    await until(/event: log/);
    assert.match(text, /data: \{"text":"<second>\\n","end":15\}/);
    log.close();
    await store.settle(claim, SUCCESS);
    dashboard.hub.notify();
    await until(/event: end/);
    assert.match(text, /event: end\ndata: \{"end":15\}/);
    const { done } = await reader.read();
    assert.ok(done, "the stream is closed after its end");
  });
});

Deno.test("/api/… answers what the CLI's --json prints", async () => {
  await withDashboard(async ({ store, home, get, post }) => {
    await seed(store);
    const claim = (await store.claimNext("w1"))!;
    await store.settle(claim, { exitCode: 3, signal: null, timedOut: false, error: "exit code 3" });
    await (await post("/queues/web/pause")).body?.cancel();
    const api = async (path: string) => {
      const response = await get(path, { accept: "application/json" });
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get("content-type")!, /^application\/json/);
      return await response.json();
    };
    assert.deepEqual(await api("/api/jobs/hello"), await cliJson(home, ["show", "hello"]));
    assert.deepEqual(await api("/api/jobs"), await cliJson(home, ["list"]));
    assert.deepEqual(
      await api("/api/jobs?state=pending&limit=1"),
      await cliJson(home, ["list", "--state", "pending", "--limit", "1"]),
    );
    assert.deepEqual(await api("/api/queues"), await cliJson(home, ["queue", "list"]));
    assert.deepEqual(await api("/api/status"), await cliJson(home, ["status"]));
    assert.deepEqual(await api("/api/dlq"), await cliJson(home, ["dlq", "list"]));
    assert.deepEqual(await api("/api/schedules"), await cliJson(home, ["schedule", "list"]));
    const stats = await api("/api/stats?since=30m");
    const cliStats = await cliJson<Record<string, unknown>>(home, ["stats", "--since", "30m"]);
    assert.deepEqual(Object.keys(stats), Object.keys(cliStats));
    assert.deepEqual(stats.total.enqueued, (cliStats.total as { enqueued: number }).enqueued);
    assert.equal((await api("/api/jobs?q=ECHO")).length, 2);
    assert.deepEqual((await api("/api/jobs?offset=1&limit=1")).map((j: { id: string }) => j.id), [
      "xss",
    ]);
    const bad = await get("/api/jobs?state=bogus", { accept: "application/json" });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error, /must be one of pending/);
  });
});

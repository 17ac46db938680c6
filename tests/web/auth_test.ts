import assert from "node:assert/strict";
import {
  type AccessRules,
  checkCsrf,
  checkHost,
  checkSameOrigin,
  checkToken,
  constantTimeEqual,
  cookieValue,
  isValidToken,
  loopbackHosts,
  newToken,
} from "../../src/web/auth.ts";

const TOKEN = "s3cret-token-0123456789";
const CSRF = "csrf-abcdefghijklmnop";

function rules(overrides: Partial<AccessRules> = {}): AccessRules {
  return {
    token: TOKEN,
    csrfToken: CSRF,
    allowedHosts: undefined,
    cookieName: "queuectl_token_7070",
    ...overrides,
  };
}

function request(path: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
  return new Request(`http://127.0.0.1:7070${path}`, {
    ...init,
    headers: { host: "127.0.0.1:7070", ...(init.headers ?? {}) },
  });
}

function verdict(path: string, headers: Record<string, string> = {}, method = "GET") {
  const req = request(path, { method, headers });
  return checkToken(req, new URL(req.url), rules());
}

Deno.test("without a token (loopback), every request passes the token check", () => {
  const req = request("/jobs");
  assert.deepEqual(checkToken(req, new URL(req.url), rules({ token: undefined })), { kind: "ok" });
});

Deno.test("with a token: a bearer header or the cookie passes; nothing, or a wrong one, is 401", () => {
  assert.equal(verdict("/", { authorization: `Bearer ${TOKEN}` }).kind, "ok");
  assert.equal(verdict("/", { authorization: `bearer ${TOKEN}` }).kind, "ok");
  assert.equal(verdict("/", { cookie: `other=1; queuectl_token_7070=${TOKEN}` }).kind, "ok");
  const none = verdict("/metrics");
  assert.equal(none.kind, "denied");
  assert.equal(none.kind === "denied" && none.denial.status, 401);
  assert.match(none.kind === "denied" ? none.denial.message : "", /needs its access token/);
  for (
    const headers of [
      { authorization: "Bearer wrong-token-0123456789" },
      { authorization: TOKEN }, // not a bearer
      { cookie: "queuectl_token_7070=nope" },
      { cookie: `queuectl_token_9999=${TOKEN}` }, // another dashboard's cookie
    ]
  ) {
    const v = verdict("/", headers);
    assert.equal(v.kind, "denied", JSON.stringify(headers));
  }
  const wrong = verdict(`/?token=nope`);
  assert.match(wrong.kind === "denied" ? wrong.denial.message : "", /token is wrong/);
});

Deno.test("?token= sets the cookie and sends the browser to the same URL without it", () => {
  const v = verdict(`/jobs?state=dead&token=${TOKEN}&page=2`);
  assert.equal(v.kind, "redirect");
  if (v.kind !== "redirect") return;
  assert.equal(v.location, "/jobs?state=dead&page=2");
  assert.match(
    v.cookie,
    new RegExp(`^queuectl_token_7070=${TOKEN}; Path=/; HttpOnly; SameSite=Lax$`),
  );
  // A POST carrying it in the query is simply allowed (no redirect of a form).
  assert.equal(verdict(`/queues/a/pause?token=${TOKEN}`, {}, "POST").kind, "ok");
});

Deno.test("the Host check: without a token only this machine's names; with one, any", () => {
  const hosts = loopbackHosts("127.0.0.1", 7070);
  const ok = (host: string) =>
    checkHost(
      request("/", { headers: { host } }),
      rules({ token: undefined, allowedHosts: hosts }),
    );
  assert.equal(ok("127.0.0.1:7070"), undefined);
  assert.equal(ok("localhost:7070"), undefined);
  assert.equal(ok("LOCALHOST:7070"), undefined);
  assert.equal(ok("[::1]:7070"), undefined);
  assert.equal(ok("evil.example:7070")?.status, 421);
  assert.equal(ok("127.0.0.1:8080")?.status, 421);
  assert.equal(ok("")?.status, 421);
  assert.equal(checkHost(request("/", { headers: { host: "dash.example" } }), rules()), undefined);
  assert.ok(loopbackHosts("localhost", 80).has("localhost"));
});

Deno.test("the same-origin check: Origin (or else Referer) must name the host asked", () => {
  const post = (headers: Record<string, string>) =>
    checkSameOrigin(request("/queues/a/pause", { method: "POST", headers }));
  assert.equal(post({ origin: "http://127.0.0.1:7070" }), undefined);
  assert.equal(post({ origin: "https://127.0.0.1:7070" }), undefined); // behind a TLS proxy
  assert.equal(post({ referer: "http://127.0.0.1:7070/queues" }), undefined);
  assert.equal(post({ origin: "null", referer: "http://127.0.0.1:7070/queues" }), undefined);
  assert.equal(post({ origin: "http://evil.example" })?.status, 403);
  assert.equal(post({ origin: "http://127.0.0.1:7071" })?.status, 403);
  assert.equal(post({ referer: "http://evil.example/x" })?.status, 403);
  assert.equal(post({ origin: "not a url" })?.status, 403);
  assert.equal(post({ origin: "null" })?.status, 403);
  assert.match(post({})?.message ?? "", /no Origin/);
});

Deno.test("the CSRF check: the per-process token, nothing else", () => {
  assert.equal(checkCsrf(CSRF, rules()), undefined);
  assert.equal(checkCsrf(undefined, rules())?.status, 403);
  assert.equal(checkCsrf(null, rules())?.status, 403);
  assert.match(checkCsrf("", rules())?.message ?? "", /must carry/);
  assert.match(checkCsrf("old-token", rules())?.message ?? "", /stale/);
  assert.equal(checkCsrf(CSRF.slice(0, -1), rules())?.status, 403);
});

Deno.test("tokens: generated ones are long and valid, short or odd ones are refused", () => {
  const a = newToken();
  assert.ok(isValidToken(a) && a.length >= 40, a);
  assert.notEqual(a, newToken());
  assert.ok(isValidToken("0123456789abcdef"));
  assert.ok(!isValidToken("short"));
  assert.ok(!isValidToken("has spaces in it 123"));
  assert.ok(!isValidToken("semi;colon;0123456789"));
  assert.ok(constantTimeEqual("abc", "abc"));
  assert.ok(!constantTimeEqual("abc", "abd"));
  assert.ok(!constantTimeEqual("abc", "abcd"));
  assert.equal(cookieValue("a=1; b = 2 ;c=3", "b"), "2");
  assert.equal(cookieValue(null, "b"), undefined);
});

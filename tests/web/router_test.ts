import assert from "node:assert/strict";
import { Router } from "../../src/web/router.ts";

const ok = () => new Response("ok");

function routes() {
  return new Router()
    .add("GET", "/", ok)
    .add("GET", "/jobs", ok)
    .add("GET", "/jobs/:id", ok)
    .add("POST", "/jobs/:id/retry", ok)
    .add("POST", "/jobs/retry-all", ok)
    .add("GET", "/jobs/:id/log/stream", ok);
}

Deno.test("the router finds a route by method and path, decoding parameters", () => {
  const router = routes();
  const found = router.match("GET", "/jobs/nightly%3A20261201T030000Z");
  assert.equal(found.kind, "found");
  assert.deepEqual(found.kind === "found" && found.params, { id: "nightly:20261201T030000Z" });
  assert.equal(router.match("HEAD", "/jobs").kind, "found");
  assert.equal(router.match("POST", "/jobs/retry-all").kind, "found");
  const retry = router.match("POST", "/jobs/a.b/retry");
  assert.deepEqual(retry.kind === "found" && retry.params, { id: "a.b" });
});

Deno.test("the router answers 405 for a known path under another method, else nothing", () => {
  const router = routes();
  const method = router.match("POST", "/jobs/x");
  assert.deepEqual(method, { kind: "method", allowed: ["GET", "HEAD"] });
  assert.deepEqual(router.match("GET", "/jobs/x/retry"), { kind: "method", allowed: ["POST"] });
  assert.deepEqual(router.match("DELETE", "/"), { kind: "method", allowed: ["GET", "HEAD"] });
  for (const path of ["/nope", "/jobs/", "/jobs//retry", "/jobs/x/y", "/jobs/%E0%A4%A/retry"]) {
    assert.deepEqual(router.match("GET", path).kind === "found", false, path);
  }
  assert.deepEqual(router.match("GET", "/jobs/%E0%A4%A"), { kind: "none" });
});

import assert from "node:assert/strict";
import { ValidationError } from "../../src/errors.ts";
import {
  dashboardUrl,
  hostPort,
  isLoopbackHost,
  parseListenAddress,
} from "../../src/web/listen_address.ts";

Deno.test("parseListenAddress reads HOST:PORT, IPv6 in brackets, and tells loopback apart", () => {
  assert.deepEqual(parseListenAddress("127.0.0.1:7070"), {
    hostname: "127.0.0.1",
    port: 7070,
    loopback: true,
  });
  assert.deepEqual(parseListenAddress("[::1]:8080"), {
    hostname: "::1",
    port: 8080,
    loopback: true,
  });
  assert.deepEqual(parseListenAddress("localhost:0"), {
    hostname: "localhost",
    port: 0,
    loopback: true,
  });
  assert.deepEqual(parseListenAddress("0.0.0.0:7070"), {
    hostname: "0.0.0.0",
    port: 7070,
    loopback: false,
  });
  assert.equal(parseListenAddress("[::]:7070").loopback, false);
  assert.equal(parseListenAddress("dash.example.com:443").loopback, false);
  assert.equal(parseListenAddress("192.168.1.20:7070").loopback, false);
});

Deno.test("parseListenAddress refuses what is not HOST:PORT, naming the problem", () => {
  for (
    const bad of [
      "7070",
      "127.0.0.1",
      "::1:7070",
      "[nope]:1",
      "1.2.3.400:80",
      "a b:1",
      "h:70000",
      ":80",
      "h:-1",
    ]
  ) {
    assert.throws(() => parseListenAddress(bad), ValidationError, bad);
  }
  assert.throws(() => parseListenAddress("h:70000"), /port 70000 is above 65535/);
});

Deno.test("isLoopbackHost: 127/8, ::1 and localhost only", () => {
  for (
    const host of ["127.0.0.1", "127.1.2.3", "::1", "0:0:0:0:0:0:0:1", "localhost", "LOCALHOST"]
  ) {
    assert.ok(isLoopbackHost(host), host);
  }
  for (
    const host of ["0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "example.com", "localhost.example.com"]
  ) {
    assert.ok(!isLoopbackHost(host), host);
  }
});

Deno.test("hostPort and dashboardUrl bracket IPv6 and show a wildcard address as loopback", () => {
  assert.equal(hostPort("::1", 7070), "[::1]:7070");
  assert.equal(hostPort("127.0.0.1", 7070), "127.0.0.1:7070");
  assert.equal(dashboardUrl("0.0.0.0", 7070), "http://127.0.0.1:7070/");
  assert.equal(dashboardUrl("::", 7070), "http://[::1]:7070/");
  assert.equal(dashboardUrl("localhost", 80), "http://localhost:80/");
});

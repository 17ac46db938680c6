/**
 * Runs' output kept in PostgreSQL: the worker sends it in chunks while the job runs, the store
 * keeps the last 1 MiB, and `logs` (plain, `--json`, `--follow`) reads it from a queue home that
 * never ran the job, as on another machine.
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { PERMISSION_FLAGS } from "../../src/permissions.ts";
import { PostgresQueueStore } from "../../src/postgres/store.ts";
import { LOG_BYTES_KEPT } from "../../src/queue/mod.ts";
import { Dashboard } from "../../src/web/app.ts";
import { SUCCESS } from "../queue/_store.ts";
import { postgresAvailable, withDatabase } from "../_postgres.ts";
import { waitFor, withTempHome } from "../_temp_home.ts";
import { ok, queuectl } from "../cli/_cli.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));

const available = await postgresAvailable();
const skip = available ? "" : " (SKIPPED: no PostgreSQL server for tests)";
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

Deno.test({
  name: `PostgreSQL: a run's output is kept in chunks, from any offset, its last 1 MiB${skip}`,
  ignore: !available,
  async fn() {
    await withDatabase(async (url) => {
      const store = await PostgresQueueStore.open(url);
      try {
        assert.equal(store.keepsLogs, true);
        assert.equal(await store.readLog("j", 1), undefined);
        await store.appendLog("j", 1, 0, bytes("hello "));
        await store.appendLog("j", 1, 6, bytes("world\n"));
        await store.appendLog("j", 1, 6, bytes("world\n")); // a resend after a lost reply
        assert.deepEqual(await store.readLog("j", 1), {
          data: bytes("hello world\n"),
          start: 0,
          size: 12,
        });
        assert.equal(text((await store.readLog("j", 1, 6))!.data), "world\n");
        assert.equal((await store.readLog("j", 1, 12))!.data.length, 0);
        assert.equal(await store.readLog("j", 2), undefined, "each run has its own output");

        // Past 1 MiB, the oldest chunks go and the start says where the kept bytes begin.
        const big = new Uint8Array(LOG_BYTES_KEPT).fill(0x61);
        await store.appendLog("j", 1, 12, big);
        await store.appendLog("j", 1, 12 + big.length, bytes("end\n"));
        const kept = (await store.readLog("j", 1))!;
        assert.equal(kept.size, 12 + big.length + 4);
        assert.equal(kept.start, kept.size - LOG_BYTES_KEPT);
        assert.equal(kept.data.length, LOG_BYTES_KEPT);
        assert.equal(text(kept.data.subarray(-4)), "end\n");
        assert.equal(kept.data[0], 0x61);
      } finally {
        await store.close();
      }
    });
  },
});

Deno.test({
  name: `PostgreSQL: logs and logs --follow work from a home that never ran the job${skip}`,
  ignore: !available,
  async fn() {
    await withDatabase(async (url) => {
      await withTempHome(async (workerHome) => {
        await withTempHome(async (elsewhere) => {
          const env = { QUEUECTL_STORE: url };
          await ok(workerHome, [
            "enqueue",
            "--id",
            "chatty",
            "--",
            // Prints, then waits for the test to say go: the follower must see output live.
            `echo first; while [ ! -e '${elsewhere}/go' ]; do sleep 0.05; done; echo second`,
          ], { env });
          await ok(workerHome, ["worker", "start", "--count", "1"], { env });
          try {
            const follower = new Deno.Command(Deno.execPath(), {
              args: ["run", "--quiet", "--no-prompt", ...PERMISSION_FLAGS, MAIN, "--home"].concat(
                [elsewhere, "logs", "chatty", "--follow"],
              ),
              env: { ...env, NO_COLOR: "1" },
              stdout: "piped",
              stderr: "piped",
            }).spawn();
            let seen = "";
            let ended = false;
            const collecting = (async () => {
              for await (const chunk of follower.stdout.pipeThrough(new TextDecoderStream())) {
                seen += chunk;
              }
              ended = true;
            })();
            await waitFor("the follower prints the first line while the job runs", () => {
              if (ended) throw new Error(`the follower ended early: ${JSON.stringify(seen)}`);
              return seen.includes("first\n") ? true : undefined;
            });
            assert.ok(!seen.includes("second"));
            await Deno.writeTextFile(`${elsewhere}/go`, "");
            await waitFor("the follower to end with the job", () => ended || undefined);
            await collecting;
            assert.equal(seen, "first\nsecond\n");
            assert.equal((await follower.status).code, 0);
            await follower.stderr.cancel();

            const plain = await queuectl(elsewhere, ["logs", "chatty"], { env });
            assert.equal(plain.code, 0, plain.stderr);
            assert.equal(plain.stdout, "first\nsecond\n");
            const asJson = await queuectl(elsewhere, ["logs", "chatty", "--json"], { env });
            assert.equal(JSON.parse(asJson.stdout).log, "first\nsecond\n");
          } finally {
            await queuectl(workerHome, ["worker", "stop", "--now"], { env });
          }
        });
      });
    });
  },
});

Deno.test({
  name: `PostgreSQL: the dashboard shows and streams a run's output kept in the store${skip}`,
  ignore: !available,
  async fn() {
    await withDatabase(async (url) => {
      await withTempHome(async (home) => {
        const store = await PostgresQueueStore.open(url);
        const dashboard = await Dashboard.create({
          store,
          home,
          token: undefined,
          source: () => ({ close() {} }),
          probe: () => Promise.resolve(undefined),
          debounceMs: 1,
          minGapMs: 0,
          logPollMs: 20,
        });
        dashboard.listening("127.0.0.1", 7070);
        const get = (path: string) =>
          dashboard.handle(
            new Request(`http://127.0.0.1:7070${path}`, {
              headers: { host: "127.0.0.1:7070", accept: "text/html" },
            }),
          );
        try {
          await store.enqueue([{ id: "remote", command: "echo" }], { cwd: "/" });
          const claim = (await store.claimNext("w-elsewhere"))!;
          await store.appendLog("remote", 1, 0, bytes("from <far> away\n"));
          const page = await (await get("/jobs/remote")).text();
          assert.ok(page.includes("from &lt;far&gt; away\n"), "the page shows the stored output");
          const stream = /data-stream="([^"]+)"/.exec(page)?.[1]?.replaceAll("&amp;", "&");
          assert.equal(stream, "/jobs/remote/log/stream?run=1&offset=16");
          const reader = (await get(stream!)).body!.pipeThrough(new TextDecoderStream())
            .getReader();
          await store.appendLog("remote", 1, 16, bytes("more\n"));
          let text = "";
          while (!text.includes("event: log")) {
            const { value, done } = await reader.read();
            if (done) throw new Error(`the stream ended early: ${text}`);
            text += value;
          }
          assert.match(text, /data: \{"text":"more\\n","end":21\}/);
          await reader.cancel();
          await store.settle(claim, SUCCESS);
          assert.equal(
            await (await get("/jobs/remote/log?run=1")).text(),
            "from <far> away\nmore\n",
          );
        } finally {
          await dashboard.close();
          await store.close();
        }
      });
    });
  },
});

/**
 * A PostgreSQL store that goes away under running workers (a proxy in front of the server is cut,
 * as a database restart or an outage looks to its clients): a short outage is said once in the
 * worker's log and its running job goes on and settles once the database is back; an outage longer
 * than the lease makes the worker kill its job before others presume it dead, so the job runs
 * again, never twice at once.
 * @module
 */

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { PERMISSION_FLAGS } from "../../src/permissions.ts";
import { postgresAvailable, withDatabase } from "../_postgres.ts";
import { startTcpProxy } from "../_tcp_proxy.ts";
import { waitFor, withTempHome } from "../_temp_home.ts";
import { ok } from "../cli/_cli.ts";

const available = await postgresAvailable();
const skip = available ? "" : " (SKIPPED: no PostgreSQL server for tests)";
const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
const PG_PORT = Number(new URL(Deno.env.get("QUEUECTL_TEST_PG") ?? "postgres://x@h:5432/").port) ||
  5432;

/** A foreground worker (`worker run`) logging to a file, as `worker start` runs one. */
function startWorker(home: string, store: string, logFile: string, host: string) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-prompt", ...PERMISSION_FLAGS, MAIN, "--home", home].concat(
      ["worker", "run", "--log-file", logFile],
    ),
    env: { QUEUECTL_STORE: store, QUEUECTL_HOSTNAME: host, NO_COLOR: "1" },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

async function stopWorker(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch {
    // Gone already.
  }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Gone.
    }
  }, 10_000);
  await child.status;
  clearTimeout(timer);
  await child.stderr.cancel().catch(() => {});
}

const read = (path: string) => Deno.readTextFile(path).catch(() => "");

interface Run {
  start: number;
  end: number;
}

/** The runs a job recorded in its marker file ("start <ms>" / "end <ms>" lines). */
function runsOf(text: string): Run[] {
  const runs: Run[] = [];
  for (const line of text.trim().split("\n").filter(Boolean)) {
    const [what, at] = line.split(" ");
    if (what === "start") runs.push({ start: Number(at), end: Infinity });
    else runs.at(-1)!.end = Number(at);
  }
  return runs;
}

Deno.test({
  name: `PostgreSQL down for a few seconds: the running job goes on and settles once${skip}`,
  ignore: !available,
  async fn() {
    await withDatabase(async (url) => {
      await withTempHome(async (home) => {
        const proxy = startTcpProxy({ hostname: "127.0.0.1", port: PG_PORT });
        const viaProxy = new URL(url);
        viaProxy.port = String(proxy.port);
        const env = { QUEUECTL_STORE: url };
        const marker = `${home}/marker`;
        const go = `${home}/go`;
        await ok(home, [
          "enqueue",
          "--id",
          "long",
          "--",
          `echo start $(date +%s%3N) >> ${marker}; while [ ! -e ${go} ]; do sleep 0.05; done; ` +
          `echo end $(date +%s%3N) >> ${marker}`,
        ], { env });
        const logFile = `${home}/worker.log`;
        const worker = startWorker(home, viaProxy.toString(), logFile, "machine-a");
        try {
          await waitFor("the job to start", async () => (await read(marker)) || undefined);
          proxy.cut();
          await waitFor(
            "the worker to say the connection is lost",
            async () => /lost the connection/i.test(await read(logFile)) || undefined,
          );
          await Deno.writeTextFile(go, ""); // the job ends while the database is away
          await waitFor("the job to end", async () => /end/.test(await read(marker)) || undefined);
          // A few more seconds away: the worker tries again (and says so once).
          await new Promise((resolve) => setTimeout(resolve, 3000));
          proxy.restore();
          const job = await waitFor("the job to be recorded completed", async () => {
            const shown = JSON.parse(await ok(home, ["show", "long", "--json"], { env }));
            return shown.state === "completed" ? shown : undefined;
          }, 60_000);
          assert.equal(job.attempts, 1, "one run");
          assert.equal(runsOf(await read(marker)).length, 1);
          const log = await read(logFile);
          assert.equal(log.match(/lost the connection/gi)?.length, 1, `said once:\n${log}`);
          assert.match(log, /is back/);
        } finally {
          await stopWorker(worker);
          proxy.close();
        }
      });
    });
  },
});

Deno.test({
  name:
    `PostgreSQL out of reach longer than the lease: the worker kills its job first, another runs it, never twice at once${skip}`,
  ignore: !available,
  async fn() {
    await withDatabase(async (url) => {
      await withTempHome(async (homeA) => {
        await withTempHome(async (homeB) => {
          const proxy = startTcpProxy({ hostname: "127.0.0.1", port: PG_PORT });
          const viaProxy = new URL(url);
          viaProxy.port = String(proxy.port);
          const env = { QUEUECTL_STORE: url };
          await ok(homeA, ["config", "set", "stall_timeout", "3"], { env });
          const marker = `${homeA}/marker`;
          await ok(homeA, [
            "enqueue",
            "--id",
            "long",
            "--timeout",
            "0",
            "--",
            // Records each run's start and end (a killed run records no end: its start is enough,
            // with the kill's time taken from the worker's log).
            `echo start $(date +%s%3N) >> ${marker}; trap 'echo end $(date +%s%3N) >> ${marker}; ` +
            `exit 143' TERM; sleep 6 & wait; echo end $(date +%s%3N) >> ${marker}`,
          ], { env });
          const logA = `${homeA}/worker.log`;
          const logB = `${homeB}/worker.log`;
          // Machine A reaches the database through the proxy; machine B directly.
          const a = startWorker(homeA, viaProxy.toString(), logA, "machine-a");
          let b: Deno.ChildProcess | undefined;
          try {
            await waitFor(
              "machine A to start the job",
              async () => (await read(marker)) || undefined,
            );
            b = startWorker(homeB, url, logB, "machine-b");
            proxy.cut();
            await waitFor(
              "machine A to kill its job, having lost contact",
              async () =>
                /killing it before this worker is presumed dead/.test(await read(logA)) ||
                undefined,
            );
            const job = await waitFor("machine B to run the job to completion", async () => {
              const shown = JSON.parse(await ok(homeB, ["show", "long", "--json"], { env }));
              return shown.state === "completed" ? shown : undefined;
            }, 60_000);
            proxy.restore();
            await waitFor(
              "machine A to record its run's end (fenced off) and join again",
              async () => /joining again|already taken over/.test(await read(logA)) || undefined,
              60_000,
            );
            const runs = runsOf(await read(marker));
            assert.equal(runs.length, 2, await read(marker));
            assert.ok(runs[0]!.end <= runs[1]!.start, `runs overlap: ${JSON.stringify(runs)}`);
            assert.equal(job.history.length, 2);
            assert.equal(job.history[1].worker_id.length > 0, true);
            const final = JSON.parse(await ok(homeB, ["show", "long", "--json"], { env }));
            assert.equal(final.state, "completed", "A's late end changed nothing");
            assert.equal(final.history.length, 2);
          } finally {
            await stopWorker(a);
            if (b) await stopWorker(b);
            proxy.close();
          }
        });
      });
    });
  },
});

/**
 * Choosing the store end to end: `--store URL` and `QUEUECTL_STORE` both select PostgreSQL (the
 * flag first) and leave the journal alone; a store that cannot be used is one line on stderr and
 * nothing made: a malformed URL is a usage error (exit 2), a wrong password, no server or no such
 * database an operational one (exit 1). `doctor` and `compact` on PostgreSQL.
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import postgres from "npm:postgres@3.4.9";
import { hostName } from "../../src/worker/liveness.ts";
import { withDatabase } from "../_postgres.ts";
import { withTempHome } from "../_temp_home.ts";
import { storeKinds } from "../queue/_store.ts";
import {
  type CliOptions,
  type JobJson,
  json,
  ok,
  openStoreOf,
  queuectl,
  stopAllWorkers,
  storeContents,
  withQueueOf,
} from "./_cli.ts";

const available = (await storeKinds()).includes("postgres");

/** A test that needs the PostgreSQL test server, skipped visibly without it. */
function postgresTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name: available
      ? name
      : `${name} (SKIPPED: no PostgreSQL server for tests; .ci/run starts one)`,
    ignore: !available,
    fn,
  });
}

/** Asserts a refusal: the exit code, nothing on stdout, one line on stderr, no stack. */
function assertRefused(
  result: { code: number; stdout: string; stderr: string },
  code: number,
  message: RegExp,
  what: string,
): void {
  assert.equal(result.code, code, `${what}: exit code (stderr: ${result.stderr})`);
  assert.equal(result.stdout, "", `${what}: stdout`);
  const lines = result.stderr.split("\n").filter((line) => line !== "");
  assert.equal(
    lines.length,
    1,
    `${what}: one line on stderr, got ${JSON.stringify(result.stderr)}`,
  );
  assert.match(lines[0]!, /^queuectl: /, what);
  assert.doesNotMatch(lines[0]!, /Unexpected error|Missing Deno permission/, what);
  assert.match(lines[0]!, message, what);
}

/** Commands that open the store, each in its own way. */
const COMMANDS = [
  ["status"],
  ["list"],
  ["enqueue", '{"command":"true"}'],
  ["enqueue", "--", "true"],
  ["worker", "start"],
  ["doctor"],
];

Deno.test("a malformed store URL is a usage error: exit 2, one line, the password hidden, nothing made", async () => {
  await withTempHome(async (dir) => {
    const home = join(dir, "home");
    const malformed: [string, RegExp][] = [
      [
        "mysql://u:s3cret@127.0.0.1/db",
        /^queuectl: Store "mysql:\/\/u:\*\*\*@127\.0\.0\.1\/db" is not one queuectl knows: use postgres:\/\//,
      ],
      ["postgres://", /^queuectl: Store URL "postgres:\/\/" needs a user, a host and a database/],
      [
        "postgres:///db",
        /needs a user, a host and a database: postgres:\/\/user:password@host:port\/database$/,
      ],
      ["postgres://u:s3cret@127.0.0.1:5432", /needs a user, a host and a database/],
      ["postgres://127.0.0.1:5432/db", /needs a user, a host and a database/],
      [
        "postgres://u:s3cret@host:port/db",
        /^queuectl: Store URL "postgres:\/\/u:\*\*\*@host:port\/db" is not a URL$/,
      ],
      ["postgresql://u:s3cret@127.0.0.1:99999/db", /is not a URL$/],
      ["postgres://u:s3cret@[::1/db", /is not a URL$/],
    ];
    for (const [url, message] of malformed) {
      for (const args of COMMANDS) {
        const byFlag = await queuectl(home, ["--store", url, ...args]);
        assertRefused(byFlag, 2, message, `--store ${url} ${args.join(" ")}`);
        assert.doesNotMatch(byFlag.stderr, /s3cret/, "the password is not shown");
      }
      const byEnv = await queuectl(home, ["status"], { env: { QUEUECTL_STORE: url } });
      assertRefused(byEnv, 2, message, `QUEUECTL_STORE=${url} status`);
    }
    const empty = await queuectl(home, ["status", "--store", ""]);
    assertRefused(empty, 2, /^queuectl: Store "" is not one queuectl knows/, "--store ''");
    assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), [], "no home was made");
  });
});

postgresTest(
  "a wrong password, no server or no such database: exit 1, one line naming it, nothing made",
  async () => {
    await withDatabase(async (url) => {
      await withTempHome(async (dir) => {
        const home = join(dir, "home");
        const good = new URL(url);
        const variant = (change: (url: URL) => void) => {
          const changed = new URL(good);
          change(changed);
          return changed.toString();
        };
        const missing = `queuectl_missing_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
        const cases: [string, string, RegExp][] = [
          [
            "a wrong password",
            variant((u) => u.password = "wrong-s3cret"),
            new RegExp(
              `^queuectl: Cannot log in to PostgreSQL at 127\\.0\\.0\\.1:${good.port}${good.pathname} ` +
                `as "${good.username}": password authentication failed`,
            ),
          ],
          [
            "no server on the port",
            variant((u) => u.port = "1"),
            /^queuectl: Cannot reach PostgreSQL at 127\.0\.0\.1:1\/\w+: connect ECONNREFUSED/,
          ],
          [
            "no such database",
            variant((u) => u.pathname = `/${missing}`),
            new RegExp(
              `^queuectl: PostgreSQL at .*/${missing}: database "${missing}" does not exist$`,
            ),
          ],
        ];
        for (const [what, bad, message] of cases) {
          for (const args of COMMANDS) {
            const result = await queuectl(home, ["--store", bad, ...args]);
            assertRefused(result, 1, message, `${what}: ${args.join(" ")}`);
            assert.doesNotMatch(result.stderr, /wrong-s3cret/, "the password is not shown");
          }
          const byEnv = await queuectl(home, ["list"], { env: { QUEUECTL_STORE: bad } });
          assertRefused(byEnv, 1, message, `${what}: QUEUECTL_STORE list`);
        }
        assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), [], "no home was made");
        const sql = postgres(url, { max: 1, onnotice: () => {} });
        try {
          const rows = await sql`SELECT 1 FROM pg_database WHERE datname = ${missing}`;
          assert.equal(rows.length, 0, "the missing database was not created");
          const tables =
            await sql`SELECT 1 FROM information_schema.tables WHERE table_schema = 'queuectl'`;
          assert.equal(tables.length, 0, "nothing was made in the database the URL did not name");
        } finally {
          await sql.end({ timeout: 1 });
        }
      });
    });
  },
);

postgresTest(
  "--store URL and QUEUECTL_STORE both select PostgreSQL, the flag first; the journal is left alone",
  async () => {
    await withDatabase(async (url) => {
      await withTempHome(async (home) => {
        const viaEnv: CliOptions = { env: { QUEUECTL_STORE: url } };
        const unreachable = "postgres://queuectl:queuectl@127.0.0.1:1/nothing";
        const ids = async (args: string[], options: CliOptions = {}) => {
          const listed = await queuectl(home, [...args, "list", "--json"], options);
          assert.equal(listed.code, 0, listed.stderr);
          return (JSON.parse(listed.stdout) as JobJson[]).map((job) => job.id);
        };
        try {
          await ok(home, ["enqueue", '{"id":"local","command":"true"}']);
          const journal = await storeContents(home);
          await ok(home, ["--store", url, "enqueue", '{"id":"remote","command":"echo from pg"}']);
          await ok(home, [`--store=${url}`, "enqueue", "--id", "remote-2", "--", "true"]);
          assert.deepEqual(
            await ids([], viaEnv),
            ["remote-2", "remote"],
            "QUEUECTL_STORE reads it",
          );
          assert.deepEqual(
            await ids(["--store", url], { env: { QUEUECTL_STORE: unreachable } }),
            ["remote-2", "remote"],
            "--store wins over QUEUECTL_STORE",
          );
          await ok(home, ["--store", url, "worker", "start"]);
          const wait = await queuectl(home, ["wait", "--timeout", "30"], viaEnv);
          assert.equal(wait.code, 0, wait.stderr);
          assert.equal(await ok(home, ["--store", url, "logs", "remote"]), "from pg\n");
          const job = await json<JobJson>(home, ["--store", url, "show", "remote"]);
          assert.equal(job.state, "completed");
          await ok(home, ["worker", "stop"], viaEnv);
          assert.deepEqual(await ids([]), ["local"], "the journal has only its own job");
          assert.equal((await json<JobJson>(home, ["show", "local"])).state, "pending");
          assert.equal(await storeContents(home), journal, "the journal is byte for byte the same");
        } finally {
          await stopAllWorkers(home, viaEnv);
        }
      });
    });
  },
);

postgresTest(
  "doctor on PostgreSQL checks the database and names jobs held by gone workers; compact says what it did",
  async () => {
    await withQueueOf("postgres", async (home) => {
      await ok(home, ["enqueue", '{"id":"a","command":"true"}']);
      await ok(home, ["enqueue", '{"id":"b","command":"true"}']);
      const healthy = await queuectl(home, ["doctor"]);
      assert.equal(healthy.code, 0, healthy.stderr);
      assert.match(
        healthy.stdout,
        /^store {7}PostgreSQL 127\.0\.0\.1:\d+\/\w+ \(no journal in use\)$/m,
      );
      assert.match(healthy.stdout, /^jobs {8}2 \(2 pending, /m);
      assert.match(healthy.stdout, /^ok {10}database verified$/m);
      // A worker that died holding b: recorded as running, its process gone.
      const gone = new Deno.Command("true").spawn();
      await gone.status;
      const store = await openStoreOf(home);
      try {
        await store.registerWorker({ id: "w-gone", pid: gone.pid, host: hostName(), pstart: "1" });
        assert.equal((await store.claimNext("w-gone"))?.job.id, "a");
      } finally {
        await store.close();
      }
      const report = await json<{ store: string; problems: string[]; warnings: string[] }>(home, [
        "doctor",
      ]);
      assert.equal(report.store, "postgres");
      assert.deepEqual(report.problems, []);
      assert.deepEqual(report.warnings, [
        "job a is processing for worker w-gone, which is not running; " +
        "the next worker to run recovers it (queuectl worker start)",
      ]);
      const repair = await queuectl(home, ["doctor", "--repair"]);
      assert.equal(repair.code, 0, repair.stderr);
      assert.match(repair.stdout, /^nothing to repair$/m);
      assert.equal(
        await ok(home, ["compact"]),
        "compacted: completed jobs past retention removed, 2 job(s) kept\n",
      );
      assert.deepEqual(await Array.fromAsync(Deno.readDir(home)), [], "nothing made in the home");
    });
  },
);

/**
 * The commands whose work differs with a PostgreSQL store: `doctor` checks the database (not a
 * journal) and `compact` removes completed jobs past retention, with their output. Neither writes
 * a journal into the queue home.
 * @module
 */

import assert from "node:assert/strict";
import postgres from "npm:postgres@3.4.9";
import { PostgresQueueStore } from "../../src/postgres/store.ts";
import { postgresAvailable, withDatabase } from "../_postgres.ts";
import { withTempHome } from "../_temp_home.ts";
import { queuectl } from "../cli/_cli.ts";

const available = await postgresAvailable();
const skip = available ? "" : " (SKIPPED: no PostgreSQL server for tests)";

Deno.test({
  name:
    `PostgreSQL: doctor checks the database; compact drops completed jobs past retention${skip}`,
  ignore: !available,
  async fn() {
    await withDatabase(async (url) => {
      await withTempHome(async (home) => {
        const env = { QUEUECTL_STORE: url };
        const run = async (args: string[]) => {
          const result = await queuectl(home, args, { env });
          assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
          return result.stdout;
        };
        await run(["enqueue", "--id", "old", "--", "true"]);
        await run(["enqueue", "--id", "new", "--", "true"]);
        const doctor = JSON.parse(await run(["doctor", "--json"]));
        assert.equal(doctor.schema_version, 1);
        assert.equal(doctor.jobs.total, 2);
        assert.deepEqual(doctor.problems, []);
        assert.match(await run(["doctor", "--repair"]), /nothing to repair/);

        // "old" completed, thirty days ago (its end moved back by hand); "new" is pending.
        const store = await PostgresQueueStore.open(url);
        const claim = (await store.claimNext("w-past"))!;
        assert.equal(claim.job.id, "old");
        await store.appendLog("old", 1, 0, new TextEncoder().encode("old output\n"));
        await store.settle(claim, { exitCode: 0, signal: null, timedOut: false, error: null });
        const sql = postgres(url, { max: 1, onnotice: () => {} });
        await sql`UPDATE queuectl.jobs SET finished_at = now() - interval '30 days' WHERE id = 'old'`;
        await sql.end();

        assert.match(
          await run(["compact"]),
          /completed jobs past retention removed, 1 job\(s\) kept/,
        );
        const listed = JSON.parse(await run(["list", "--json"])) as { id: string }[];
        assert.deepEqual(listed.map((job) => job.id), ["new"]);
        assert.equal(await store.readLog("old", 1), undefined, "its output went with it");
        await store.close();
        for await (const entry of Deno.readDir(home)) {
          assert.notEqual(entry.name, "journal.jsonl", "no journal is written with --store");
        }
      });
    });
  },
});

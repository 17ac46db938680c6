import assert from "node:assert/strict";
import { join } from "node:path";
import {
  decodeHeaderLine,
  decodeRecordLine,
  encodeRecord,
  saltOf,
} from "../../src/journal/framing.ts";
import { type JobJson, json, ok, queuectl, withJournalQueue } from "./_cli.ts";

async function journalLines(home: string): Promise<string[]> {
  return (await Deno.readTextFile(join(home, "journal.jsonl"))).split("\n");
}

Deno.test("doctor passes a healthy journal and reports its figures", async () => {
  await withJournalQueue(async (home) => {
    await ok(home, ["enqueue", '{"id":"a","command":"true"}']);
    const report = await json<{ problems: string[]; records: number; jobs: { total: number } }>(
      home,
      ["doctor"],
    );
    assert.deepEqual(report.problems, []);
    assert.equal(report.records, 1);
    assert.equal(report.jobs.total, 1);
    const human = await queuectl(home, ["doctor"]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /ok\s+journal verified/);
  });
});

Deno.test("doctor warns when a compacted journal's summary does not add up to its jobs", async () => {
  await withJournalQueue(async (home) => {
    await ok(home, ["enqueue", "--file", "-"], {
      stdin: ["a", "b", "c"].map((id) => JSON.stringify({ id, command: "true" })).join("\n"),
    });
    await ok(home, ["compact"]);
    const path = join(home, "journal.jsonl");
    const lines = (await Deno.readTextFile(path)).split("\n");
    const header = decodeHeaderLine(lines[0]!);
    assert.ok(header.ok);
    const salt = saltOf(header.header.gen);
    // A summary whose checksum is right but whose counts are not (as a bug would write it), as
    // long as the right one: the header gives the snapshot's length.
    const at = lines.findIndex((line) => line.includes('"op":"summary"'));
    const decoded = decodeRecordLine(lines[at]!, salt);
    assert.ok(decoded.ok);
    const { seq, crc: _crc, ...body } = decoded.record as unknown as Record<string, unknown> & {
      seq: number;
    };
    lines[at] = encodeRecord(
      seq,
      { ...body, counts: { default: { waiting: 3 } } } as never,
      salt,
    )
      .trimEnd();
    await Deno.writeTextFile(path, lines.join("\n"));
    assert.equal((await json<{ jobs: { waiting: number } }>(home, ["status"])).jobs.waiting, 3);
    const report = await json<{ problems: string[]; warnings: string[] }>(home, ["doctor"]);
    assert.deepEqual(report.problems, []);
    const warning = report.warnings.find((w) => w.includes("summary"));
    assert.match(warning ?? "", /pending 0 instead of 3, waiting 3 instead of 0/);
    assert.match(warning ?? "", /queuectl compact/);
    await ok(home, ["compact"]);
    assert.equal((await json<{ jobs: { pending: number } }>(home, ["status"])).jobs.pending, 3);
    const again = await json<{ warnings: string[] }>(home, ["doctor"]);
    assert.ok(!again.warnings.some((w) => w.includes("summary")), again.warnings.join("; "));
  });
});

Deno.test("a torn tail is cut by the next writer; doctor --repair cuts it too", async () => {
  await withJournalQueue(async (home) => {
    await ok(home, ["enqueue", '{"id":"a","command":"true"}']);
    const path = join(home, "journal.jsonl");
    const good = await Deno.readTextFile(path);
    await Deno.writeTextFile(path, good + '{"seq":2,"at":"2026-');
    const check = await queuectl(home, ["doctor"]);
    assert.equal(check.code, 1);
    assert.match(check.stdout, /torn tail/);
    const repair = await queuectl(home, ["doctor", "--repair"]);
    assert.equal(repair.code, 0, repair.stdout + repair.stderr);
    assert.equal(await Deno.readTextFile(path), good);
    const backups = (await Array.fromAsync(Deno.readDir(home))).filter((e) =>
      e.name.includes(".bak-")
    );
    assert.deepEqual(backups, [], "a torn tail loses nothing acknowledged: no backup needed");
  });
});

Deno.test("a hand-damaged record in the middle: a clear error, then doctor --repair backs up and cuts, naming the jobs", async () => {
  await withJournalQueue(async (home) => {
    for (const id of ["a", "b", "c"]) {
      await ok(home, ["enqueue", JSON.stringify({ id, command: "true" })]);
    }
    const path = join(home, "journal.jsonl");
    const lines = await journalLines(home);
    lines[2] = lines[2]!.replace('"id":"b"', '"id":"B"'); // line 3 holds job b
    const damaged = lines.join("\n");
    await Deno.writeTextFile(path, damaged);
    for (const args of [["status"], ["list"], ["enqueue", '{"command":"true"}']]) {
      const result = await queuectl(home, args);
      assert.equal(result.code, 1, args.join(" "));
      assert.equal(result.stderr.trim().split("\n").length, 1, "one line, no stack trace");
      assert.match(result.stderr, /is corrupt at line 3 \(checksum mismatch\).*doctor --repair/);
    }
    assert.equal(await Deno.readTextFile(path), damaged, "nothing was written past the damage");
    const report = await json<{ problems: string[]; jobs_at_risk: string[] }>(home, ["doctor"])
      .catch(
        () => null,
      );
    assert.equal(report, null, "doctor exits 1 on a problem");
    const check = await queuectl(home, ["doctor", "--json"]);
    assert.equal(check.code, 1);
    const found = JSON.parse(check.stdout);
    assert.match(
      found.problems[0],
      /line 3: corrupt record \(checksum mismatch\) followed by 1 valid record/,
    );
    assert.deepEqual(found.jobs_at_risk, ["c"]);
    const repair = await queuectl(home, ["doctor", "--repair"]);
    assert.equal(repair.code, 0, repair.stdout + repair.stderr);
    assert.match(repair.stdout, /drops 1 valid record\(s\), touching job\(s\): c/);
    const backups = (await Array.fromAsync(Deno.readDir(home))).filter((e) =>
      e.name.includes(".bak-")
    );
    assert.equal(backups.length, 1);
    assert.equal(
      await Deno.readTextFile(join(home, backups[0]!.name)),
      damaged,
      "the backup is the damaged file",
    );
    assert.equal((await Deno.stat(join(home, backups[0]!.name))).mode! & 0o777, 0o600);
    const jobs = await json<JobJson[]>(home, ["list"]);
    assert.deepEqual(jobs.map((j) => j.id), ["a"]);
    // Sequence numbers (leases) go on after the records cut away: c's enqueue was seq 3.
    await ok(home, ["enqueue", '{"id":"d","command":"true"}']);
    const seqs = (await journalLines(home)).filter(Boolean).map((line) => JSON.parse(line).seq);
    assert.ok(seqs.at(-1)! > 3, `the next record is numbered after 3: ${seqs}`);
  });
});

Deno.test("a damaged header is refused and reported as not repairable", async () => {
  await withJournalQueue(async (home) => {
    await ok(home, ["enqueue", '{"id":"a","command":"true"}']);
    const path = join(home, "journal.jsonl");
    const lines = await journalLines(home);
    lines[0] = lines[0]!.replace('"format":1', '"format":2');
    await Deno.writeTextFile(path, lines.join("\n"));
    const status = await queuectl(home, ["status"]);
    assert.equal(status.code, 1);
    assert.match(status.stderr, /damaged header at line 1/);
    const repair = await queuectl(home, ["doctor", "--repair"]);
    assert.equal(repair.code, 1);
    assert.match(repair.stdout, /cannot be repaired/);
  });
});

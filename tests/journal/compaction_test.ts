import assert from "node:assert/strict";
import { join } from "node:path";
import { FatalStorageError } from "../../src/errors.ts";
import { Journal, JOURNAL_FILE, type JournalOptions } from "../../src/journal/mod.ts";
import { withTempHome } from "../_temp_home.ts";
import { listReducer, type ListState } from "./_list_reducer.ts";
import { type FaultOp, noSpace, SimulatedStorage } from "./_simulated_storage.ts";

const HOME = "/sim/home";

/** A journal on `disk` that compacts past `compactMinBytes`, collecting its warnings. */
async function openOn(
  disk: SimulatedStorage,
  warnings: string[],
  compactMinBytes = 1 << 30,
  extra: Partial<JournalOptions<ListState>> = {},
): Promise<Journal<ListState>> {
  return await Journal.open(HOME, {
    reducer: listReducer({ fsync: "always", compactMinBytes }),
    storage: disk,
    onWarning: (message) => warnings.push(message),
    ...extra,
  });
}

function add(journal: Journal<ListState>, n: number): Promise<number> {
  return journal.transact(() => ({ records: [{ op: "add", n }], result: n }));
}

/** The values a fresh process would load from what is durable on `disk` now. */
async function durableValues(disk: SimulatedStorage): Promise<number[]> {
  const journal = await openOn(SimulatedStorage.fromImage(disk.durableImage()), []);
  try {
    return [...(await journal.refresh()).values];
  } finally {
    await journal.close();
  }
}

/** Seqs of every line of the journal file, header first. */
function seqsOf(text: string): number[] {
  return text.trim().split("\n").map((line) => JSON.parse(line).seq);
}

for (const op of ["create", "write", "sync"] as FaultOp[]) {
  Deno.test(`a compaction that fails after a commit (temp file ${op}: no space) warns and the transaction stands`, async () => {
    const disk = new SimulatedStorage();
    const warnings: string[] = [];
    const journal = await openOn(disk, warnings, 300);
    disk.failOn({ op, name: /\.tmp$/, error: noSpace() });
    const results: number[] = [];
    for (let n = 0; n < 12; n++) results.push(await add(journal, n));
    const all = [...Array(12).keys()];
    assert.deepEqual(results, all, "every transaction returned its result");
    assert.equal(warnings.length, 1, "one warning; automatic retries wait a while");
    assert.match(
      warnings[0]!,
      /^Compaction of ".*journal\.jsonl" failed \(No space left on device/,
    );
    assert.doesNotMatch(warnings[0]!, /\n|\.$/);
    assert.deepEqual(journal.state.values, all);
    assert.deepEqual(await durableValues(disk), all, "every record is on disk");
    assert.deepEqual(disk.names.filter((name) => name.endsWith(".tmp")), [], "no temp file left");
    // Still fully usable: appends go on, and a compaction succeeds once there is room.
    await add(journal, 12);
    disk.clearFaults();
    await journal.compact();
    await add(journal, 13);
    assert.deepEqual(await durableValues(disk), [...all, 12, 13]);
    await journal.close();
  });
}

Deno.test("a directory fsync failing after the compaction's rename stops the writer, and the commit stands", async () => {
  const disk = new SimulatedStorage();
  const warnings: string[] = [];
  const journal = await openOn(disk, warnings, 300);
  disk.failOn({
    op: "syncDirectory",
    name: /./,
    error: new Error("Input/output error (os error 5)"),
  });
  const results: number[] = [];
  while (warnings.length === 0 && results.length < 100) {
    results.push(await add(journal, results.length));
  }
  disk.clearFaults();
  assert.match(warnings[0]!, /Input\/output error.*stopping/);
  const header = JSON.parse(disk.fileText(JOURNAL_FILE)!.split("\n")[0]!);
  assert.ok(header.seq > 0, "the snapshot was renamed over the journal");
  // The rename may not survive a power loss: appending to the new file could lose acknowledged
  // writes, so this process writes no more. What it acknowledged is on disk either way.
  await assert.rejects(add(journal, 99), FatalStorageError);
  assert.deepEqual(await durableValues(disk), results);
  await journal.close();
  const next = await openOn(disk, []);
  await add(next, results.length);
  assert.deepEqual(next.state.values, [...results, results.length]);
  await next.close();
});

Deno.test("an explicit compact() still reports its own failure", async () => {
  const disk = new SimulatedStorage();
  const journal = await openOn(disk, []);
  await add(journal, 1);
  disk.failOn({ op: "write", name: /\.tmp$/, error: noSpace() });
  await assert.rejects(journal.compact(), /No space left on device/);
  disk.clearFaults();
  await add(journal, 2);
  assert.deepEqual(await durableValues(disk), [1, 2]);
  await journal.close();
});

Deno.test("an afterCompaction hook sees the state before and after, and its failure is a warning", async () => {
  const disk = new SimulatedStorage();
  const warnings: string[] = [];
  const seen: [number[], number[]][] = [];
  const journal = await openOn(disk, warnings, 1 << 30, {
    afterCompaction: (previous, next) => {
      seen.push([[...previous.values], [...next.values]]);
      throw new Error("cannot remove logs");
    },
  });
  await add(journal, 1);
  await add(journal, 2);
  const report = await journal.compact();
  assert.equal(report.records, 2);
  assert.deepEqual(seen, [[[1, 2], [1, 2]]]);
  assert.deepEqual(warnings.length, 1);
  assert.match(warnings[0]!, /cannot remove logs/);
  await journal.close();
});

Deno.test("leftover temp files of a killed compaction are removed when the journal is next opened", async () => {
  await withTempHome(async (home) => {
    const options = { reducer: listReducer() };
    const journal = await Journal.open(home, options);
    await journal.transact(() => ({ records: [{ op: "add", n: 1 }], result: undefined }));
    await journal.close();
    // What a compaction killed between creating its temp file and renaming it leaves.
    await Deno.writeTextFile(join(home, `${JOURNAL_FILE}.0badc0de.tmp`), "half a snapshot");
    const reader = await Journal.open(home, options);
    const names = (await Array.fromAsync(Deno.readDir(home))).map((e) => e.name).sort();
    assert.deepEqual(names, [JOURNAL_FILE, "queue.lock"]);
    assert.deepEqual((await reader.refresh()).values, [1]);
    await reader.close();
  });
});

Deno.test("a leftover temp file is left alone while the lock is busy, and open does not wait", async () => {
  await withTempHome(async (home) => {
    const options = { reducer: listReducer() };
    const holder = await Journal.open(home, options);
    const temp = join(home, `${JOURNAL_FILE}.0badc0de.tmp`);
    await Deno.writeTextFile(temp, "a compaction in progress");
    const { promise: release, resolve } = Promise.withResolvers<void>();
    const { promise: holding, resolve: held } = Promise.withResolvers<void>();
    const busy = holder.transact(async () => {
      held();
      await release;
      return { records: [], result: undefined };
    });
    await holding;
    const started = performance.now();
    const reader = await Journal.open(home, options);
    assert.ok(performance.now() - started < 5_000, "open did not wait for the lock");
    assert.ok(await Deno.lstat(temp), "the temp file may be in use: kept");
    resolve();
    await busy;
    // The reader's given-up wait ends once the lock is free; its next section comes after it.
    await reader.transact(() => ({ records: [{ op: "add", n: 1 }], result: undefined }));
    await reader.close();
    await holder.close();
  });
});

Deno.test("a transact after another process compacted reloads the snapshot before taking the lock", async () => {
  const disk = new SimulatedStorage();
  const a = await openOn(disk, []);
  const b = await openOn(disk, []);
  for (let n = 0; n < 50; n++) await add(a, n);
  assert.equal((await b.refresh()).values.length, 50);
  await a.compact();
  const snapshotBytes = disk.fileText(JOURNAL_FILE)!.length;
  await add(a, 50);
  disk.bytesReadUnderLock = 0;
  await add(b, 51);
  assert.ok(
    disk.bytesReadUnderLock < snapshotBytes / 4,
    `${disk.bytesReadUnderLock} bytes read under the lock, the snapshot is ${snapshotBytes}`,
  );
  const all = [...Array(52).keys()];
  assert.deepEqual(b.state.values, all);
  assert.deepEqual((await a.refresh()).values, all);
  assert.deepEqual(await durableValues(disk), all);
  await a.close();
  await b.close();
});

Deno.test("a compaction between the lockless reload and the lock is caught under the lock", async () => {
  const disk = new SimulatedStorage();
  const a = await openOn(disk, []);
  const b = await openOn(disk, []);
  for (let n = 0; n < 5; n++) await add(a, n);
  await b.refresh();
  await a.compact();
  disk.beforeNextLock(async () => {
    await add(a, 5);
    await a.compact();
  });
  await add(b, 6);
  const all = [0, 1, 2, 3, 4, 5, 6];
  assert.deepEqual(b.state.values, all);
  assert.deepEqual((await a.refresh()).values, all);
  assert.deepEqual(await durableValues(disk), all);
  const seqs = seqsOf(disk.fileText(JOURNAL_FILE)!);
  assert.deepEqual(seqs.slice(1), seqs.slice(1).map((_, i) => seqs[0]! + 1 + i));
  await a.close();
  await b.close();
});

Deno.test("a transact after another process's compaction on disk is correct", async () => {
  await withTempHome(async (home) => {
    const options = { reducer: listReducer() };
    const a = await Journal.open(home, options);
    const b = await Journal.open(home, options);
    for (let n = 0; n < 20; n++) {
      await a.transact(() => ({ records: [{ op: "add", n }], result: undefined }));
    }
    await b.refresh();
    await a.compact();
    await a.transact(() => ({ records: [{ op: "add", n: 20 }], result: undefined }));
    const seen = await b.transact((state) => ({
      records: [{ op: "add", n: 21 }],
      result: [...state.values],
    }));
    assert.deepEqual(seen, [...Array(21).keys()], "decided on the fresh state");
    await a.close();
    await b.close();
    const reader = await Journal.open(home, options);
    assert.deepEqual((await reader.refresh()).values, [...Array(22).keys()]);
    await reader.close();
    const seqs = seqsOf(await Deno.readTextFile(join(home, JOURNAL_FILE)));
    // The header carries seq 20; the snapshot and both appends continue from there.
    assert.deepEqual(seqs, [20, ...Array.from({ length: 22 }, (_, i) => 21 + i)]);
  });
});

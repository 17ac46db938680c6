import assert from "node:assert/strict";
import { join } from "node:path";
import { Journal, JOURNAL_FILE, repairJournal } from "../../src/journal/mod.ts";
import { withTempHome } from "../_temp_home.ts";
import { listReducer, type ListState } from "./_list_reducer.ts";

function openList(home: string): Promise<Journal<ListState>> {
  return Journal.open(home, { reducer: listReducer() });
}

async function add(journal: Journal<ListState>, ...ns: number[]): Promise<void> {
  for (const n of ns) {
    await journal.transact(() => ({ records: [{ op: "add", n }], result: undefined }));
  }
}

/** What a fresh process loads, and the seqs of the file's lines. */
async function reload(home: string): Promise<{ values: number[]; seqs: number[] }> {
  const journal = await openList(home);
  try {
    const values = [...(await journal.refresh()).values];
    const text = await Deno.readTextFile(join(home, JOURNAL_FILE));
    return { values, seqs: text.trim().split("\n").slice(1).map((l) => JSON.parse(l).seq) };
  } finally {
    await journal.close();
  }
}

/** Byte offset where line `line` (1-based) of the journal starts. */
async function lineOffset(home: string, line: number): Promise<number> {
  const lines = (await Deno.readTextFile(join(home, JOURNAL_FILE))).split("\n");
  return lines.slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0);
}

Deno.test("doctor --repair replaces the journal, so a process that had read past the cut reloads", async () => {
  await withTempHome(async (home) => {
    const worker = await openList(home);
    await add(worker, 1, 2, 3, 4, 5);
    const path = join(home, JOURNAL_FILE);
    const inodeBefore = (await Deno.stat(path)).ino;
    // Damage line 3 (the record of 2) in place, valid records after it.
    const file = await Deno.open(path, { write: true });
    await file.seek(await lineOffset(home, 3) + 10, Deno.SeekMode.Start);
    await file.write(new TextEncoder().encode("XX"));
    file.close();
    const report = await repairJournal(home);
    assert.ok(report.repaired);
    assert.ok(report.backup, "valid records were cut: a backup was kept");
    assert.notEqual((await Deno.stat(path)).ino, inodeBefore, "a new file, not a truncation");
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    // The worker still holds records 1-5 and its offset past them; it keeps appending.
    await add(worker, 6, 7);
    assert.deepEqual(worker.state.values, [1, 6, 7]);
    await worker.close();
    assert.deepEqual(await reload(home), { values: [1, 6, 7], seqs: [1, 2, 3] });
  });
});

Deno.test("a journal cut shorter than this process's offset, same inode, is reloaded before an append", async () => {
  await withTempHome(async (home) => {
    const worker = await openList(home);
    await add(worker, 1, 2, 3, 4);
    // Cut in place behind the worker's back (as an older doctor --repair did): records 3 and 4 go.
    await Deno.truncate(join(home, JOURNAL_FILE), await lineOffset(home, 4));
    await add(worker, 9);
    assert.deepEqual(worker.state.values, [1, 2, 9]);
    await worker.close();
    assert.deepEqual(await reload(home), { values: [1, 2, 9], seqs: [1, 2, 3] });
  });
});

Deno.test("a journal cut and written past this process's offset again is reloaded, not refused", async () => {
  await withTempHome(async (home) => {
    const worker = await openList(home);
    await add(worker, 1, 2, 3, 4);
    const offset = worker.size;
    await Deno.truncate(join(home, JOURNAL_FILE), await lineOffset(home, 3));
    const other = await openList(home);
    await add(other, 11, 12, 13, 14, 15, 16);
    await other.close();
    assert.ok((await Deno.stat(join(home, JOURNAL_FILE))).size > offset);
    await add(worker, 9);
    assert.deepEqual(worker.state.values, [1, 11, 12, 13, 14, 15, 16, 9]);
    await worker.close();
    const { values, seqs } = await reload(home);
    assert.deepEqual(values, [1, 11, 12, 13, 14, 15, 16, 9]);
    assert.deepEqual(seqs, [1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

Deno.test("a refresh after the journal was cut shows the cut state", async () => {
  await withTempHome(async (home) => {
    const reader = await openList(home);
    await add(reader, 1, 2, 3);
    await Deno.truncate(join(home, JOURNAL_FILE), await lineOffset(home, 3));
    assert.deepEqual((await reader.refresh()).values, [1]);
    await reader.close();
  });
});

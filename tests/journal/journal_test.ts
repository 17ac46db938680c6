import assert from "node:assert/strict";
import { join } from "node:path";
import { CorruptJournalError } from "../../src/errors.ts";
import { Journal, JOURNAL_FILE } from "../../src/journal/mod.ts";
import { withTempHome } from "../_temp_home.ts";
import { listReducer, type ListState } from "./_list_reducer.ts";

async function openList(home: string, compactMinBytes = 1 << 30): Promise<Journal<ListState>> {
  return await Journal.open(home, {
    reducer: listReducer({ fsync: "always", compactMinBytes }),
    // Small files here: search from the end anyway, as on a big journal.
    blindAppendMinBytes: 0,
  });
}

async function add(journal: Journal<ListState>, ...ns: number[]): Promise<void> {
  await journal.transact(() => ({ records: ns.map((n) => ({ op: "add", n })), result: undefined }));
}

async function valuesIn(home: string): Promise<number[]> {
  const journal = await openList(home);
  try {
    return [...(await journal.refresh()).values];
  } finally {
    await journal.close();
  }
}

Deno.test("a new home is created 0700 with journal and lock files 0600", async () => {
  await withTempHome(async (root) => {
    const home = join(root, "nested", "home");
    const journal = await openList(home);
    await add(journal, 1);
    await journal.close();
    assert.equal((await Deno.stat(home)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(join(home, JOURNAL_FILE))).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(join(home, "queue.lock"))).mode! & 0o777, 0o600);
  });
});

Deno.test("records appended by one journal are seen by another after refresh", async () => {
  await withTempHome(async (home) => {
    const a = await openList(home);
    const b = await openList(home);
    await add(a, 1, 2);
    await add(b, 3);
    await add(a, 4);
    assert.deepEqual((await b.refresh()).values, [1, 2, 3, 4]);
    assert.deepEqual(a.state.values, [1, 2, 3, 4]);
    assert.equal(a.lastSeq, 4);
    await a.close();
    await b.close();
  });
});

Deno.test("truncation at every byte offset loads the longest valid prefix and nothing more", async () => {
  await withTempHome(async (home) => {
    const source = join(home, "source");
    const journal = await openList(source);
    for (let n = 1; n <= 6; n++) await add(journal, n);
    await journal.close();
    const bytes = await Deno.readFile(join(source, JOURNAL_FILE));
    const text = new TextDecoder().decode(bytes);
    const lineEnds = [...text.matchAll(/\n/g)].map((m) => m.index! + 1);
    const headerEnd = lineEnds[0]!;
    for (let cut = 0; cut <= bytes.length; cut++) {
      const copy = join(home, `cut-${cut}`);
      await Deno.mkdir(copy);
      await Deno.writeFile(join(copy, JOURNAL_FILE), bytes.subarray(0, cut));
      if (cut > 0 && cut < headerEnd) {
        await assert.rejects(valuesIn(copy), CorruptJournalError, `cut at ${cut}`);
        continue;
      }
      const complete = lineEnds.filter((end) => end <= cut).length - 1;
      const expected = [1, 2, 3, 4, 5, 6].slice(0, Math.max(0, complete));
      assert.deepEqual(await valuesIn(copy), expected, `cut at ${cut}`);
      // A writer repairs the torn tail under the lock, then appends after the valid prefix.
      const writer = await openList(copy);
      await add(writer, 99);
      await writer.close();
      assert.deepEqual(await valuesIn(copy), [...expected, 99], `append after cut at ${cut}`);
      await Deno.remove(copy, { recursive: true });
    }
  });
});

Deno.test("a torn tail of zeros or garbage is cut off by the next writer", async () => {
  await withTempHome(async (home) => {
    const journal = await openList(home);
    await add(journal, 1, 2);
    await journal.close();
    const path = join(home, JOURNAL_FILE);
    const good = await Deno.readTextFile(path);
    for (const tail of ["\0".repeat(300), "garbage\nmore garbage\n", '{"seq":3,"op":"add"']) {
      await Deno.writeTextFile(path, good + tail);
      assert.deepEqual(await valuesIn(home), [1, 2]);
      const writer = await openList(home);
      await add(writer, 3);
      await writer.close();
      const after = await Deno.readTextFile(path);
      assert.ok(after.startsWith(good) && !after.includes("garbage") && !after.includes("\0"));
      assert.deepEqual(await valuesIn(home), [1, 2, 3]);
      await Deno.writeTextFile(path, good);
    }
  });
});

Deno.test("a damaged record in the middle is refused with a message naming its line", async () => {
  await withTempHome(async (home) => {
    const journal = await openList(home);
    await add(journal, 1, 2, 3, 4);
    await journal.close();
    const path = join(home, JOURNAL_FILE);
    const lines = (await Deno.readTextFile(path)).split("\n");
    lines[2] = lines[2]!.replace('"n":2', '"n":7'); // line 3 holds the second record
    await Deno.writeTextFile(path, lines.join("\n"));
    const error = await valuesIn(home).then(() => undefined, (e) => e);
    assert.ok(error instanceof CorruptJournalError);
    assert.equal(error.line, 3);
    assert.match(error.message, /line 3/);
    assert.match(error.message, /doctor --repair/);
    // And no writer may append past it either.
    const writer = await openList(home);
    await assert.rejects(add(writer, 5), CorruptJournalError);
    await writer.close();
    assert.equal(await Deno.readTextFile(path), lines.join("\n"));
  });
});

Deno.test("a deleted record in the middle breaks the sequence and is refused", async () => {
  await withTempHome(async (home) => {
    const journal = await openList(home);
    await add(journal, 1, 2, 3);
    await journal.close();
    const path = join(home, JOURNAL_FILE);
    const lines = (await Deno.readTextFile(path)).split("\n");
    lines.splice(2, 1);
    await Deno.writeTextFile(path, lines.join("\n"));
    await assert.rejects(valuesIn(home), /line 3 \(sequence number 3 where 2 was expected\)/);
  });
});

Deno.test("compaction keeps the state and another process's stale offset catches up", async () => {
  await withTempHome(async (home) => {
    const a = await openList(home);
    const b = await openList(home);
    await add(a, 1, 2, 3);
    assert.deepEqual((await b.refresh()).values, [1, 2, 3]);
    const inodeBefore = (await Deno.stat(join(home, JOURNAL_FILE))).ino;
    const report = await a.compact();
    assert.equal(report.records, 3);
    assert.notEqual((await Deno.stat(join(home, JOURNAL_FILE))).ino, inodeBefore);
    await add(a, 4);
    // b's offset points into the old file; it must notice the new inode and reload.
    assert.deepEqual((await b.refresh()).values, [1, 2, 3, 4]);
    await add(b, 5);
    assert.deepEqual((await a.refresh()).values, [1, 2, 3, 4, 5]);
    assert.equal(a.lastSeq, b.lastSeq);
    await a.close();
    await b.close();
    const names = (await Array.fromAsync(Deno.readDir(home))).map((e) => e.name).sort();
    assert.deepEqual(names, ["journal.jsonl", "queue.lock"]);
  });
});

Deno.test("sequence numbers keep counting across compaction", async () => {
  await withTempHome(async (home) => {
    const journal = await openList(home);
    await add(journal, 1, 2);
    await journal.compact();
    await add(journal, 3);
    await journal.close();
    const seqs = (await Deno.readTextFile(join(home, JOURNAL_FILE))).trim().split("\n")
      .map((line) => JSON.parse(line).seq);
    assert.deepEqual(seqs, [2, 3, 4, 5]);
  });
});

Deno.test("compaction triggers by itself once the journal outgrows its threshold", async () => {
  await withTempHome(async (home) => {
    const journal = await openList(home, 2048);
    for (let n = 0; n < 100; n++) await add(journal, n);
    const size = (await Deno.stat(join(home, JOURNAL_FILE))).size;
    const header = JSON.parse((await Deno.readTextFile(join(home, JOURNAL_FILE))).split("\n")[0]!);
    assert.ok(header.seq > 0, "the header's seq shows a compaction happened");
    const threshold = Math.max(2048, 2 * header.snapshot_bytes);
    assert.ok(size <= threshold + 200, `journal is ${size} bytes, threshold ${threshold}`);
    assert.deepEqual(journal.state.values, [...Array(100).keys()]);
    await journal.close();
    assert.deepEqual(await valuesIn(home), [...Array(100).keys()]);
  });
});

Deno.test("a decision that throws writes nothing", async () => {
  await withTempHome(async (home) => {
    const journal = await openList(home);
    await add(journal, 1);
    const before = await Deno.readFile(join(home, JOURNAL_FILE));
    await assert.rejects(
      journal.transact(() => {
        throw new Error("refused");
      }),
      /refused/,
    );
    assert.deepEqual(await Deno.readFile(join(home, JOURNAL_FILE)), before);
    await journal.close();
  });
});

Deno.test("a multi-record transaction cut after any of its records loads none of it", async () => {
  await withTempHome(async (home) => {
    const journal = await openList(home);
    await add(journal, 1);
    await add(journal, 2, 3, 4);
    await journal.close();
    const path = join(home, JOURNAL_FILE);
    const full = await Deno.readTextFile(path);
    const lines = full.split("\n");
    assert.match(lines[2]!, /^\{"seq":2,"txn":\[2,3\],/, "each record names its transaction");
    assert.match(lines[4]!, /^\{"seq":4,"txn":\[2,3\],/);
    for (const keep of [3, 4]) {
      await Deno.writeTextFile(path, lines.slice(0, keep).join("\n") + "\n");
      assert.deepEqual(await valuesIn(home), [1], `cut after line ${keep}`);
      const writer = await openList(home);
      await add(writer, 9);
      await writer.close();
      assert.deepEqual(await valuesIn(home), [1, 9], `append after cut at line ${keep}`);
    }
  });
});

Deno.test("appendBlind() after a cut at every byte offset lands right after the valid prefix", async () => {
  await withTempHome(async (home) => {
    const source = join(home, "source");
    const journal = await openList(source);
    await add(journal, 1);
    await add(journal, 2, 3);
    await add(journal, 4);
    await journal.close();
    const bytes = await Deno.readFile(join(source, JOURNAL_FILE));
    const text = new TextDecoder().decode(bytes);
    const lineEnds = [...text.matchAll(/\n/g)].map((m) => m.index! + 1);
    // Complete transactions end after lines 2, 4 (the pair) and 5.
    const complete = new Map([[lineEnds[0]!, []], [lineEnds[1]!, [1]], [lineEnds[3]!, [1, 2, 3]]]);
    complete.set(lineEnds[4]!, [1, 2, 3, 4]);
    for (let cut = lineEnds[0]!; cut <= bytes.length; cut++) {
      const copy = join(home, `cut-${cut}`);
      await Deno.mkdir(copy);
      await Deno.writeFile(join(copy, JOURNAL_FILE), bytes.subarray(0, cut));
      const kept = [...complete.entries()].filter(([end]) => end <= cut).at(-1)![1];
      const writer = await openList(copy);
      await writer.appendBlind([{ op: "add", n: 98 }, { op: "add", n: 99 }]);
      await writer.close();
      assert.deepEqual(await valuesIn(copy), [...kept, 98, 99], `blind append after cut at ${cut}`);
      await Deno.remove(copy, { recursive: true });
    }
  });
});

Deno.test("appendBlind() refuses to write after damage among the last records", async () => {
  await withTempHome(async (home) => {
    const journal = await openList(home);
    await add(journal, 1, 2);
    await add(journal, 3);
    await journal.close();
    const path = join(home, JOURNAL_FILE);
    const lines = (await Deno.readTextFile(path)).split("\n");
    lines[1] = lines[1]!.replace('"n":1', '"n":7');
    const damaged = lines.join("\n");
    await Deno.writeTextFile(path, damaged);
    const writer = await openList(home);
    await assert.rejects(
      writer.appendBlind([{ op: "add", n: 9 }]),
      (e) => e instanceof CorruptJournalError && /at line 2 \(checksum mismatch\)/.test(e.message),
    );
    await writer.close();
    assert.equal(await Deno.readTextFile(path), damaged);
  });
});

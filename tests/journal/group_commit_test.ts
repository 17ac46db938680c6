/**
 * Group commit: transactions one process asks for while another is being written share one lock,
 * one write each, and one fsync; each is decided on the state the ones before it left, none is
 * answered before the fsync, and one that fails fails alone.
 * @module
 */

import assert from "node:assert/strict";
import { FatalStorageError } from "../../src/errors.ts";
import { Journal } from "../../src/journal/mod.ts";
import { listReducer, type ListState } from "./_list_reducer.ts";
import { SimulatedStorage } from "./_simulated_storage.ts";

const HOME = "/sim/home";

/** A simulated disk that counts fsyncs. */
class CountingStorage extends SimulatedStorage {
  syncs = 0;
  override sync(ino: number): void {
    this.syncs++;
    super.sync(ino);
  }
}

function open(disk: SimulatedStorage): Promise<Journal<ListState>> {
  return Journal.open(HOME, { reducer: listReducer(), storage: disk });
}

/** Adds `n` and answers with the values right after it (later ones of the group not yet). */
function add(journal: Journal<ListState>, n: number): Promise<number[]> {
  return journal.transactThen(
    () => ({ records: [{ op: "add", n }], result: undefined }),
    (state) => [...state.values],
  );
}

Deno.test("twenty transactions asked for at once: one fsync, each answered with its own view", async () => {
  const disk = new CountingStorage();
  const journal = await open(disk);
  await add(journal, 0);
  const before = disk.syncs;
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => add(journal, i + 1)));
  assert.equal(disk.syncs - before, 1, "one fsync for the group");
  answers.forEach((values, i) => {
    assert.deepEqual(values, Array.from({ length: i + 2 }, (_, k) => k), `answer ${i + 1}`);
  });
  await journal.close();
  // All of it is durable: a power cut right after the answers loses none.
  const after = await open(SimulatedStorage.fromImage(disk.durableImage()));
  assert.deepEqual((await after.refresh()).values, Array.from({ length: 21 }, (_, k) => k));
  await after.close();
});

Deno.test("transactions asked for while a group is written make the next group", async () => {
  const disk = new CountingStorage();
  const journal = await open(disk);
  const before = disk.syncs;
  const first = add(journal, 1);
  // The first group is being committed once the microtasks run; these join the next one.
  await Promise.resolve();
  const later = Array.from({ length: 5 }, (_, i) => add(journal, i + 2));
  await Promise.all([first, ...later]);
  assert.ok(disk.syncs - before <= 2, `${disk.syncs - before} fsyncs for two groups`);
  assert.deepEqual(journal.state.values, [1, 2, 3, 4, 5, 6]);
  await journal.close();
});

Deno.test("one decision that throws fails alone; the rest of its group is written", async () => {
  const disk = new CountingStorage();
  const journal = await open(disk);
  const results = await Promise.allSettled([
    add(journal, 1),
    journal.transact((): { records: []; result: undefined } => {
      throw new Error("bad decision");
    }),
    add(journal, 3),
  ]);
  assert.equal(results[0].status, "fulfilled");
  assert.equal(results[1].status, "rejected");
  assert.match(String((results[1] as PromiseRejectedResult).reason), /bad decision/);
  assert.deepEqual((results[2] as PromiseFulfilledResult<number[]>).value, [1, 3]);
  await journal.close();
});

Deno.test("a failed fsync fails the whole group: nothing in it is acknowledged", async () => {
  const disk = new CountingStorage();
  const journal = await open(disk);
  await add(journal, 1);
  disk.failOn({ op: "sync", name: /journal/, error: new Error("I/O error (os error 5)") });
  const results = await Promise.allSettled([add(journal, 2), add(journal, 3), add(journal, 4)]);
  for (const result of results) {
    assert.equal(result.status, "rejected");
    assert.ok((result as PromiseRejectedResult).reason instanceof FatalStorageError);
  }
  await journal.close().catch(() => {});
});

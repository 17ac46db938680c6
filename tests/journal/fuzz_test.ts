import assert from "node:assert/strict";
import fc from "fast-check";
import { CorruptJournalError } from "../../src/errors.ts";
import { Journal } from "../../src/journal/mod.ts";
import { SimulatedStorage } from "./_simulated_storage.ts";
import { listReducer, type ListState } from "./_list_reducer.ts";

const HOME = "/fuzz/home";
const encoder = new TextEncoder();

/** A valid journal of `values`, written in transactions of the given sizes. */
async function validJournal(groups: number[][]): Promise<{ bytes: Uint8Array; values: number[] }> {
  const disk = new SimulatedStorage();
  const journal = await Journal.open(HOME, { reducer: listReducer(), storage: disk });
  for (const group of groups) {
    await journal.transact(() => ({ records: group.map((n) => ({ op: "add", n })), result: 0 }));
  }
  await journal.close();
  return { bytes: encoder.encode(disk.fileText("journal.jsonl")!), values: groups.flat() };
}

/** A simulated disk holding `bytes` as the journal. */
function diskWith(bytes: Uint8Array): SimulatedStorage {
  return SimulatedStorage.fromImage({
    names: new Map([["journal.jsonl", 1]]),
    contents: new Map([[1, bytes]]),
  });
}

/** Loads `bytes` as a journal: the values, or the refusal; anything else fails the property. */
async function load(bytes: Uint8Array): Promise<number[] | CorruptJournalError> {
  const disk = diskWith(bytes);
  const journal = await Journal.open<ListState>(HOME, { reducer: listReducer(), storage: disk });
  try {
    return [...(await journal.refresh()).values];
  } catch (error) {
    if (error instanceof CorruptJournalError) return error;
    throw error;
  } finally {
    await journal.close();
  }
}

const groupsArb = fc.array(
  fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 4 }),
  {
    minLength: 1,
    maxLength: 12,
  },
);

type Mutation =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "truncate"; at: number }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "delete"; at: number; length: number }
  | { kind: "duplicateLine"; line: number }
  | { kind: "swapLines"; a: number; b: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant("flip" as const),
    at: fc.nat(),
    bit: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }),
  }),
  fc.record({
    kind: fc.constant("delete" as const),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 80 }),
  }),
  fc.record({ kind: fc.constant("duplicateLine" as const), line: fc.nat() }),
  fc.record({ kind: fc.constant("swapLines" as const), a: fc.nat(), b: fc.nat() }),
);

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const at = bytes.length === 0 ? 0 : ("at" in m ? m.at % bytes.length : 0);
  switch (m.kind) {
    case "flip": {
      const out = bytes.slice();
      if (out.length > 0) out[at] = out[at]! ^ (1 << m.bit);
      return out;
    }
    case "truncate":
      return bytes.slice(0, at);
    case "insert":
      return new Uint8Array([...bytes.subarray(0, at), ...m.bytes, ...bytes.subarray(at)]);
    case "delete":
      return new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(at + m.length)]);
    default: {
      const lines = new TextDecoder().decode(bytes).split("\n");
      if (m.kind === "duplicateLine") {
        const i = m.line % lines.length;
        lines.splice(i, 0, lines[i]!);
      } else {
        const a = m.a % lines.length;
        const b = m.b % lines.length;
        [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      }
      return encoder.encode(lines.join("\n"));
    }
  }
}

function isPrefix(values: number[], of: number[]): boolean {
  return values.length <= of.length && values.every((v, i) => v === of[i]);
}

Deno.test("fuzz: a mutated journal loads a prefix of its valid records or is refused clearly", async () => {
  await fc.assert(
    fc.asyncProperty(
      groupsArb,
      fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
      async (groups, mutations) => {
        const { bytes, values } = await validJournal(groups);
        let damaged = bytes;
        for (const m of mutations) damaged = mutate(damaged, m);
        const result = await load(damaged);
        if (result instanceof CorruptJournalError) {
          assert.match(result.message, /line \d+|header/);
          return;
        }
        assert.ok(
          isPrefix(result, values),
          `loaded ${JSON.stringify(result)} from ${JSON.stringify(values)}`,
        );
        // A transaction is never split: the loaded prefix ends on a transaction boundary.
        const boundaries = new Set([0]);
        let total = 0;
        for (const group of groups) boundaries.add(total += group.length);
        assert.ok(
          boundaries.has(result.length),
          `loaded ${result.length} values, not a transaction boundary`,
        );
      },
    ),
    { numRuns: 400, seed: 20261127 },
  );
});

Deno.test("fuzz: an append without replay on a mutated journal lands after a valid prefix or is refused", async () => {
  await fc.assert(
    fc.asyncProperty(
      groupsArb,
      fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
      async (groups, mutations) => {
        const { bytes, values } = await validJournal(groups);
        let damaged = bytes;
        for (const m of mutations) damaged = mutate(damaged, m);
        const disk = diskWith(damaged);
        const journal = await Journal.open<ListState>(HOME, {
          reducer: listReducer(),
          storage: disk,
          blindAppendMinBytes: 0,
        });
        try {
          await journal.appendBlind([{ op: "add", n: 5001 }, { op: "add", n: 5002 }]);
        } catch (error) {
          if (error instanceof CorruptJournalError) return;
          throw error;
        } finally {
          await journal.close();
        }
        const after = await load(new TextEncoder().encode(disk.fileText("journal.jsonl")!));
        if (after instanceof CorruptJournalError) {
          assert.fail(`appended to a journal that does not load: ${after.message}`);
        }
        assert.deepEqual(after.slice(-2), [5001, 5002]);
        assert.ok(
          isPrefix(after.slice(0, -2), values),
          `kept ${JSON.stringify(after)} of ${JSON.stringify(values)}`,
        );
      },
    ),
    { numRuns: 400, seed: 99 },
  );
});

Deno.test("fuzz: random bytes, alone or after a valid journal, never crash the loader", async () => {
  const { bytes: valid, values } = await validJournal([[1], [2, 3], [4]]);
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), fc.boolean(), async (noise, afterValid) => {
      const input = afterValid ? new Uint8Array([...valid, ...noise]) : noise;
      const result = await load(input);
      if (result instanceof CorruptJournalError) return;
      assert.ok(isPrefix(result, afterValid ? values : []));
      if (afterValid) {
        assert.deepEqual(result, values, "noise after a valid journal is a torn tail");
      }
    }),
    { numRuns: 400, seed: 7 },
  );
});

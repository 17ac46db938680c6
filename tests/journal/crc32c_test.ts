import assert from "node:assert/strict";
import { crc32c, CRC32C_INIT, crc32cFinish, crc32cUpdate } from "../../src/journal/crc32c.ts";

Deno.test("crc32c() gives the standard check value and agrees with itself piecewise", () => {
  assert.equal(crc32c("123456789"), 0xe3069283);
  assert.equal(crc32c(""), 0);
  const text = '{"seq":1,"at":"2026-11-27T10:00:00.000Z","op":"claim","id":"j"}';
  for (let cut = 0; cut <= text.length; cut++) {
    const first = crc32cUpdate(CRC32C_INIT, text, 0, cut)!;
    assert.equal(crc32cFinish(crc32cUpdate(first, text, cut)!), crc32c(text), `cut ${cut}`);
  }
});

Deno.test("crc32cUpdate() refuses characters outside ASCII", () => {
  assert.equal(crc32c("caf\u00e9"), undefined);
  assert.equal(crc32c("\uFFFD\uFFFD\uFFFD\uFFFD"), undefined);
});

/** CRC-32C one bit at a time, from the polynomial alone: the reference for the tables. */
function bitwiseCrc32c(text: string): number {
  let c = ~0;
  for (let i = 0; i < text.length; i++) {
    c ^= text.charCodeAt(i);
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

Deno.test("crc32c() agrees with a bitwise CRC-32C on every table entry", () => {
  // Each 4-character step looks up one entry of each of the four tables, at indices that depend on
  // everything fed before: every character at every position of a step, then random strings,
  // look up every entry (changing any one of the written-out entries fails this test).
  for (let code = 0; code < 128; code++) {
    const ch = String.fromCharCode(code);
    for (
      const text of [ch, `${ch}abc`, `a${ch}bc`, `ab${ch}c`, `abc${ch}`, `${ch}${ch}${ch}${ch}x`]
    ) {
      assert.equal(crc32c(text), bitwiseCrc32c(text), JSON.stringify(text));
    }
  }
  let seed = 1;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let n = 0; n < 2000; n++) {
    const length = Math.floor(random() * 40);
    let text = "";
    while (text.length < length) text += String.fromCharCode(Math.floor(random() * 128));
    assert.equal(crc32c(text), bitwiseCrc32c(text), JSON.stringify(text));
  }
});

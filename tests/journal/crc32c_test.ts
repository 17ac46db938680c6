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

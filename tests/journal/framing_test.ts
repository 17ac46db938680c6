import assert from "node:assert/strict";
import {
  decodeHeaderLine,
  decodeRecordLine,
  encodeHeader,
  encodeRecord,
  FORMAT_VERSION,
  saltOf,
} from "../../src/journal/framing.ts";

const salt = saltOf("0123456789abcdef");
const body = { at: "2026-11-27T10:00:00.000Z", op: "claim", id: "job1", worker: "w-1", attempt: 2 };

function line(seq = 42, b: { op: string; [k: string]: unknown } = body): string {
  return encodeRecord(seq, b, salt).slice(0, -1);
}

Deno.test("encodeRecord() writes a readable line that decodes back to the same record", () => {
  const text = line();
  assert.match(text, /^\{"seq":42,"at":"[^"]+","op":"claim","id":"job1",.*"crc":"[0-9a-f]{8}"\}$/);
  const decoded = decodeRecordLine(text, salt);
  assert.ok(decoded.ok);
  const { crc, ...record } = decoded.record;
  assert.match(String(crc), /^[0-9a-f]{8}$/);
  assert.deepEqual(record, { seq: 42, ...body });
});

Deno.test("non-ASCII text is escaped so the line stays printable ASCII and round-trips", () => {
  const b = { op: "enqueue", command: "echo 'héllo — 世界 🎉'\u007f", env: { A: "\u2028" } };
  const text = line(1, b);
  assert.match(text, /^[\x20-\x7e]+$/);
  const decoded = decodeRecordLine(text, salt);
  assert.ok(decoded.ok);
  const { crc: _crc, ...record } = decoded.record;
  assert.deepEqual(record, { seq: 1, ...b });
});

Deno.test("a record with any single flipped byte never validates", () => {
  const text = line();
  for (let i = 0; i < text.length; i++) {
    for (const flip of [0x01, 0x20, 0x80]) {
      const mutated = text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ flip) +
        text.slice(i + 1);
      assert.equal(decodeRecordLine(mutated, salt).ok, false, `flip ${flip} at ${i}`);
    }
  }
});

Deno.test("a cut line never validates, whatever the cut", () => {
  const text = line();
  for (let cut = 0; cut < text.length; cut++) {
    assert.equal(decodeRecordLine(text.slice(0, cut), salt).ok, false, `cut at ${cut}`);
  }
});

Deno.test("NUL bytes, zero-fill and garbage never validate", () => {
  const text = line();
  assert.equal(decodeRecordLine("\0".repeat(text.length), salt).ok, false);
  assert.equal(decodeRecordLine(text.slice(0, 10) + "\0" + text.slice(11), salt).ok, false);
  assert.equal(decodeRecordLine("garbage garbage garbage garbage garbage", salt).ok, false);
  assert.equal(decodeRecordLine("\uFFFD".repeat(60), salt).ok, false);
  assert.equal(decodeRecordLine("", salt).ok, false);
  assert.equal(decodeRecordLine('{"seq":1,"op":"x","crc":"zzzzzzzz"}', salt).ok, false);
});

Deno.test("a valid line from another generation never validates", () => {
  const other = encodeRecord(42, body, saltOf("fedcba9876543210")).slice(0, -1);
  assert.equal(decodeRecordLine(other, salt).ok, false);
});

Deno.test("a header round-trips and is salted with its own generation", () => {
  const header = {
    seq: 7,
    format: FORMAT_VERSION,
    gen: "00ff00ff00ff00ff",
    created_at: "2026-11-27T10:00:00.000Z",
    snapshot_bytes: 123,
  };
  const text = encodeHeader(header).slice(0, -1);
  const decoded = decodeHeaderLine(text);
  assert.ok(decoded.ok);
  assert.deepEqual(decoded.header, header);
  assert.equal(
    decodeHeaderLine(text.replace('"snapshot_bytes":123', '"snapshot_bytes":124')).ok,
    false,
  );
  assert.equal(decodeHeaderLine(text.replace(FORMAT_VERSION + ",", "99,")).ok, false);
});

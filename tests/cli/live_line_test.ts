import assert from "node:assert/strict";
import { LiveLine } from "../../src/cli/live_line.ts";

function terminal(columns: number) {
  const decoder = new TextDecoder();
  const writes: string[] = [];
  const writer = {
    writeSync(bytes: Uint8Array) {
      writes.push(decoder.decode(bytes));
      return bytes.length;
    },
  };
  return { writes, line: new LiveLine(writer, () => columns) };
}

Deno.test("LiveLine redraws in place, skips unchanged text and clears once", () => {
  const { writes, line } = terminal(80);
  line.show("1/2 done");
  line.show("1/2 done");
  line.show("2/2 done");
  line.clear();
  line.clear();
  assert.deepEqual(writes, ["\r\x1b[2K1/2 done", "\r\x1b[2K2/2 done", "\r\x1b[2K"]);
});

Deno.test("LiveLine cuts a line to the terminal's width, so it never wraps", () => {
  const { writes, line } = terminal(20);
  line.show("waiting: 12/100 done, 3 running");
  assert.deepEqual(writes, ["\r\x1b[2Kwaiting: 12/100 do…"]);
  assert.equal(writes[0]!.length - "\r\x1b[2K".length, 19);
});

Deno.test("LiveLine clears nothing when it never showed a line", () => {
  const { writes, line } = terminal(80);
  line.clear();
  assert.deepEqual(writes, []);
});

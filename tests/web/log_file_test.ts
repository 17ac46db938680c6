import assert from "node:assert/strict";
import { join } from "node:path";
import { completeUtf8Length, readLog, stripTerminalEscapes } from "../../src/web/log_file.ts";
import { withTempHome } from "../_temp_home.ts";

Deno.test("terminal escape sequences are removed from a log, the text kept", () => {
  assert.equal(stripTerminalEscapes("\x1b[1;32mok\x1b[0m done\x1b]0;title\x07!"), "ok done!");
  assert.equal(stripTerminalEscapes("<b>plain</b>\ttab"), "<b>plain</b>\ttab");
});

Deno.test("completeUtf8Length leaves an incomplete character for the next read", () => {
  const bytes = new TextEncoder().encode("aé€😀");
  assert.equal(completeUtf8Length(bytes), bytes.length);
  assert.equal(completeUtf8Length(bytes.subarray(0, bytes.length - 1)), bytes.length - 4);
  assert.equal(completeUtf8Length(bytes.subarray(0, 2)), 1); // "a" and half of "é"
  assert.equal(completeUtf8Length(bytes.subarray(0, 0)), 0);
});

Deno.test("readLog reads the end of a long log, from a character boundary, and goes on from there", async () => {
  await withTempHome(async (dir) => {
    const path = join(dir, "1.log");
    await Deno.writeTextFile(path, "é".repeat(100)); // 200 bytes
    const tail = await readLog(path, undefined, 51);
    assert.equal(tail.exists, true);
    assert.equal(tail.end, 200);
    assert.equal(tail.start, 150); // 149 would split a character
    assert.equal(tail.text, "é".repeat(25));
    await Deno.writeTextFile(path, "\x1b[31mmore\x1b[0m\n", { append: true });
    const next = await readLog(path, tail.end);
    assert.equal(next.text, "more\n");
    assert.equal((await readLog(path, next.end)).text, "");
    assert.deepEqual(await readLog(undefined, 7), { text: "", start: 0, end: 7, exists: false });
    assert.equal((await readLog(join(dir, "none.log"))).exists, false);
  });
});

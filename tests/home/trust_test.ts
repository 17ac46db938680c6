import assert from "node:assert/strict";
import { join } from "node:path";
import { findTrustProblems, segmentsBelow } from "../../src/home/trust.ts";
import { withTempHome } from "../_temp_home.ts";

Deno.test("segmentsBelow names the entries from the home down, and refuses a path outside it", () => {
  assert.deepEqual(segmentsBelow("/h", "/h/logs/j/1.log"), ["logs", "j", "1.log"]);
  assert.deepEqual(segmentsBelow("/h/", "/h//logs"), ["logs"]);
  assert.deepEqual(segmentsBelow("/h", "/h"), []);
  assert.throws(() => segmentsBelow("/h", "/hh/logs"), RangeError);
  assert.throws(() => segmentsBelow("/h", "/h/../etc/passwd"), RangeError);
});

Deno.test("findTrustProblems finds nothing in a healthy home", async () => {
  await withTempHome(async (home) => {
    await Deno.mkdir(join(home, "logs", "j"), { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(join(home, "logs", "j", "1.log"), "", { mode: 0o600 });
    await Deno.writeTextFile(join(home, "journal.jsonl"), "", { mode: 0o644 });
    assert.deepEqual(await findTrustProblems(home), []);
  });
});

Deno.test("findTrustProblems lists up to its limit, then says how many more", async () => {
  await withTempHome(async (home) => {
    await Deno.mkdir(join(home, "logs"), { mode: 0o700 });
    for (let i = 0; i < 5; i++) await Deno.symlink("/etc/hostname", join(home, "logs", `${i}`));
    const problems = await findTrustProblems(home, 3);
    assert.equal(problems.length, 4);
    assert.match(problems[0]!, /logs\/0" is a symbolic link/);
    assert.equal(problems[3], "2 more problem(s) of the same kinds, not listed");
  });
});

import assert from "node:assert/strict";
import { readFields } from "../../src/queue/top_level_fields.ts";

Deno.test("readFields() finds top-level fields only, never inside strings, objects or arrays", () => {
  const line = JSON.stringify({
    seq: 1,
    op: "job",
    command: 'echo "state":"dead" ,"id":"x"',
    env: { id: "inner", state: "failed" },
    history: [{ id: "in-array", state: "dead" }],
    id: "outer",
    state: "pending",
    lease: 42,
    note: "tab\there",
  });
  const out = new Map<string, string>();
  readFields(line, ["op", "id", "state", "lease", "note"], out, 1);
  assert.deepEqual(Object.fromEntries(out), {
    op: "job",
    id: "outer",
    state: "pending",
    lease: "42",
    note: "tab\there",
  });
});

Deno.test("readFields() stops once it has what it wants and goes on from there", () => {
  const line = '{"seq":3,"at":"t","op":"fail","id":"j","lease":7,"state":"dead","error":"x"}';
  const out = new Map<string, string>();
  const at = readFields(line, ["op", "id"], out, 1);
  assert.ok(at < line.indexOf('"lease"') + 1, "stopped right after id");
  readFields(line, ["lease", "state"], out, at);
  assert.deepEqual(Object.fromEntries(out), { op: "fail", id: "j", lease: "7", state: "dead" });
  assert.equal(out.has("error"), false);
});

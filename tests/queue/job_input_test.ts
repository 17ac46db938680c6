import assert from "node:assert/strict";
import { ValidationError } from "../../src/errors.ts";
import { isValidJobId, parseJobInput, parseJobJson } from "../../src/queue/job_input.ts";

function refusal(value: unknown): string {
  try {
    parseJobInput(value);
  } catch (error) {
    assert.ok(error instanceof ValidationError);
    assert.equal(error.exitCode, 2);
    assert.ok(!error.message.includes("\n"), "one line");
    return error.message;
  }
  assert.fail(`accepted ${JSON.stringify(value)}`);
}

Deno.test("parseJobInput() accepts every documented field and normalises run_at to UTC", () => {
  const input = parseJobInput({
    id: "job-1.a:b_c",
    command: "echo hi",
    max_retries: 0,
    priority: -5,
    run_at: "2026-05-01T12:00:00+02:00",
    timeout: 1.5,
    cwd: "/tmp",
    env: { FOO: "bar", _X1: "" },
  });
  assert.deepEqual(input, {
    id: "job-1.a:b_c",
    command: "echo hi",
    max_retries: 0,
    priority: -5,
    run_at: "2026-05-01T10:00:00.000Z",
    timeout: 1.5,
    cwd: "/tmp",
    env: { FOO: "bar", _X1: "" },
  });
});

Deno.test("parseJobInput() refuses bad input with one line naming the field", () => {
  const cases: [unknown, RegExp][] = [
    [[], /JSON object/],
    [null, /JSON object/],
    [{ command: "x", colour: "red" }, /Unknown field "colour"/],
    [{}, /"command" is required/],
    [{ command: 5 }, /"command" must be a string/],
    [{ command: "   " }, /"command" must not be empty/],
    [{ command: "x", max_retries: -1 }, /"max_retries" must be from 0/],
    [{ command: "x", max_retries: 1.5 }, /"max_retries" must be an integer/],
    [{ command: "x", max_retries: "3" }, /"max_retries" must be an integer/],
    [{ command: "x", priority: "high" }, /"priority" must be an integer/],
    [{ command: "x", run_at: "tomorrow" }, /"run_at" must be an ISO 8601/],
    [{ command: "x", run_at: "2026-05-01T12:00:00" }, /"run_at" must be an ISO 8601/],
    [{ command: "x", run_at: "2026-13-45T12:00:00Z" }, /"run_at" is not a valid date-time/],
    [{ command: "x", timeout: 0 }, /"timeout" must be a number of seconds greater than 0/],
    [{ command: "x", timeout: "5" }, /"timeout"/],
    [{ command: "x", cwd: "relative/dir" }, /"cwd" must be an absolute/],
    [{ command: "x", env: ["A=1"] }, /"env" must be an object/],
    [{ command: "x", env: { A: 1 } }, /"env.A" must be a string/],
    [{ command: "x", env: { "A-B": "1" } }, /"env" has an invalid variable name/],
    [{ command: "x", id: "../escape" }, /"id" must be/],
    [{ command: "x", id: ".." }, /"id" must be/],
    [{ command: "x", id: "/etc/passwd" }, /"id" must be/],
    [{ command: "x", id: "a\0b" }, /"id" must be/],
    [{ command: "x", id: "" }, /"id" must be/],
    [{ command: "x", id: "x".repeat(129) }, /"id" must be/],
    [{ command: "a\0b" }, /"command" must not contain NUL/],
    [{ command: "x".repeat(200_000) }, /"command" is too long/],
  ];
  for (const [value, pattern] of cases) assert.match(refusal(value), pattern);
});

Deno.test("parseJobJson() refuses malformed JSON clearly", () => {
  assert.throws(() => parseJobJson("{command: echo}"), /^ValidationError: Malformed JSON/);
  assert.throws(() => parseJobJson(""), ValidationError);
});

Deno.test("job ids cannot name a path outside logs/", () => {
  for (const id of [".", "..", "../x", "a/b", "/abs", "a\\b", "a b", "é"]) {
    assert.equal(isValidJobId(id), false, id);
  }
  for (const id of ["a", "...", "a..b", "job:1", "01J0ABC"]) {
    assert.equal(isValidJobId(id), true, id);
  }
});

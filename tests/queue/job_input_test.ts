import assert from "node:assert/strict";
import { ValidationError } from "../../src/errors.ts";
import {
  isValidJobId,
  MAX_COMMAND_BYTES,
  MAX_EXEC_BYTES,
  parseJobInput,
  parseJobJson,
} from "../../src/queue/job_input.ts";

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
    [{ command: "x", run_at: "2026-13-45T12:00:00Z" }, /"run_at" is not a valid date-time/],
    [{ command: "x", timeout: -1 }, /"timeout" must be a number of seconds, 0 \(none\) or more/],
    [{ command: "x", timeout: 2 ** 40 }, /"timeout" must be at most 31622400 seconds/],
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
    [{ command: "x".repeat(200_000) }, /"command" is too long: 200000 bytes/],
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

Deno.test('parseJobInput() takes "timeout": 0 as no timeout', () => {
  assert.equal(parseJobInput({ command: "x", timeout: 0 }).timeout, null);
  assert.equal(parseJobInput({ command: "x", timeout: 31622400 }).timeout, 31622400);
});

Deno.test("parseJobInput() reads run_at without a zone as local time", () => {
  const local = (...fields: [number, number, number, number, number, number, number]) => {
    const date = new Date(0);
    date.setFullYear(fields[0], fields[1] - 1, fields[2]);
    date.setHours(fields[3], fields[4], fields[5], fields[6]);
    return date.toISOString();
  };
  const runAt = (value: string) => parseJobInput({ command: "x", run_at: value }).run_at;
  assert.equal(runAt("2026-05-01T12:00:00"), local(2026, 5, 1, 12, 0, 0, 0));
  assert.equal(runAt("2026-12-31T23:59"), local(2026, 12, 31, 23, 59, 0, 0));
  assert.equal(runAt("2026-01-15T08:30:05.25"), local(2026, 1, 15, 8, 30, 5, 250));
});

Deno.test("parseJobInput() reads run_at by the calendar: real dates exactly, impossible ones refused, not moved", () => {
  const runAt = (value: string) => parseJobInput({ command: "x", run_at: value }).run_at;
  assert.equal(runAt("2026-05-01T12:00:00+0200"), "2026-05-01T10:00:00.000Z");
  assert.equal(runAt("2026-05-01T12:00:00-05:30"), "2026-05-01T17:30:00.000Z");
  assert.equal(runAt("2026-05-01t12:00:00.123456789z"), "2026-05-01T12:00:00.123Z");
  assert.equal(runAt("0099-01-01T00:00:00Z"), "0099-01-01T00:00:00.000Z");
  assert.equal(runAt("2028-02-29T00:00:00Z"), "2028-02-29T00:00:00.000Z");
  assert.equal(runAt("2000-02-29T00:00:00Z"), "2000-02-29T00:00:00.000Z");
  for (
    const value of [
      "2026-02-30T00:00:00Z",
      "2026-02-29T00:00:00Z",
      "1900-02-29T00:00:00Z",
      "2026-04-31T00:00:00Z",
      "2026-13-01T00:00:00Z",
      "2026-00-10T00:00:00Z",
      "2026-05-00T00:00:00Z",
      "2026-05-01T24:00:00Z",
      "2026-05-01T23:60:00Z",
      "2026-05-01T23:59:60Z",
      "2026-05-01T12:00:00+24:00",
      "2026-05-01T12:00:00+01:60",
      "2026-02-30T00:00:00",
    ]
  ) {
    assert.match(refusal({ command: "x", run_at: value }), /"run_at" is not a valid date-time/);
  }
});

Deno.test("parseJobInput() bounds the command in UTF-8 bytes, not characters", () => {
  // 64 Ki of "é" is 128 KiB in UTF-8: more than one argument string may hold.
  assert.match(
    refusal({ command: "é".repeat(64 * 1024) }),
    /^Field "command" is too long: 131072 bytes in UTF-8, at most 130048$/,
  );
  assert.match(refusal({ command: "é".repeat(128 * 1024) }), /262144 bytes in UTF-8/);
  assert.match(refusal({ command: "😀".repeat(40_000) }), /160000 bytes in UTF-8/);
  const fits = "é".repeat(MAX_COMMAND_BYTES / 2);
  assert.equal(parseJobInput({ command: fits }).command, fits);
});

Deno.test("parseJobInput() refuses an env that could never be passed to exec", () => {
  const env: Record<string, string> = {};
  for (let i = 0; i < 200; i++) env[`VAR_${i}`] = "x".repeat(32 * 1024);
  assert.match(
    refusal({ command: "true", env }),
    /^Field "env" is too large: its NAME=value strings and the command take \d+ bytes in UTF-8, at most 1048576$/,
  );
  assert.match(
    refusal({ command: "true", env: { BIG: "é".repeat(70_000) } }),
    /^Field "env.BIG" is too long: BIG=value is 140004 bytes in UTF-8, at most 130048$/,
  );
  // Near the limit but under it: accepted.
  const near: Record<string, string> = {};
  for (let i = 0; i < 8; i++) near[`V${i}`] = "x".repeat(120 * 1024);
  const command = "y".repeat(MAX_EXEC_BYTES - 8 * (120 * 1024 + 4) - 1);
  assert.deepEqual(parseJobInput({ command, env: near }).env, near);
  assert.match(refusal({ command: command + "y", env: near }), /"env" is too large/);
});

Deno.test("parseJobInput() refuses lone surrogates, so jq can always read the journal", () => {
  const lone = "echo \ud800";
  assert.match(refusal({ command: lone }), /^Field "command" must be valid Unicode/);
  assert.match(refusal({ command: "x", env: { A: lone } }), /^Field "env.A" must be valid Unicode/);
  assert.match(refusal({ command: "x", cwd: "/tmp/\udc00" }), /^Field "cwd" must be valid Unicode/);
  assert.match(refusal({ command: "x", id: "a\ud800" }), /^Field "id" must be/);
  assert.match(refusal({ command: "x", env: { ["A\ud800"]: "1" } }), /invalid variable name/);
  assert.equal(parseJobInput({ command: "echo 😀" }).command, "echo 😀");
  // As JSON text, the way the CLI receives it.
  assert.throws(
    () => parseJobJson('{"command":"echo \\ud800"}'),
    /"command" must be valid Unicode/,
  );
});

Deno.test("parseJobInput() bounds cwd in UTF-8 bytes", () => {
  assert.match(
    refusal({ command: "x", cwd: "/" + "é".repeat(2100) }),
    /^Field "cwd" is too long: 4201 bytes in UTF-8, at most 4095/,
  );
  const fits = "/" + "é".repeat(2047);
  assert.equal(parseJobInput({ command: "x", cwd: fits }).cwd, fits);
});

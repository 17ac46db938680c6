import assert from "node:assert/strict";
import { ok, queuectl, storeContents, withQueue } from "./_cli.ts";

const cases: { args: string[]; stdin?: string; code: number; message: RegExp }[] = [
  { args: ["enqueue", "{command: echo}"], code: 2, message: /Malformed JSON/ },
  {
    args: ["enqueue", '{"command":"true","colour":"red"}'],
    code: 2,
    message: /Unknown field "colour"/,
  },
  { args: ["enqueue", '{"command":42}'], code: 2, message: /"command" must be a string/ },
  {
    args: ["enqueue", '{"command":"true","priority":"high"}'],
    code: 2,
    message: /"priority" must be an integer/,
  },
  { args: ["enqueue", '{"command":"true","timeout":"5"}'], code: 2, message: /"timeout"/ },
  { args: ["enqueue", '{"id":"existing","command":"true"}'], code: 2, message: /already exists/ },
  {
    args: ["enqueue", '{"command":"true","max_retries":-1}'],
    code: 2,
    message: /"max_retries" must be from 0/,
  },
  { args: ["enqueue", '{"command":"true","run_at":"next tuesday"}'], code: 2, message: /"run_at"/ },
  {
    args: ["enqueue", '{"command":"true","run_at":"2026-02-30T00:00:00Z"}'],
    code: 2,
    message: /Field "run_at" is not a valid date-time, got "2026-02-30T00:00:00Z"/,
  },
  {
    args: ["enqueue", '{"command":"echo \\ud800"}'],
    code: 2,
    message: /Field "command" must be valid Unicode \(it has a lone surrogate\)/,
  },
  {
    args: ["enqueue", '{"command":"true","env":{"A":"\\udc00"}}'],
    code: 2,
    message: /Field "env.A" must be valid Unicode/,
  },
  {
    args: ["enqueue", '{"command":"true","cwd":"/tmp/\\ud800"}'],
    code: 2,
    message: /Field "cwd" must be valid Unicode/,
  },
  {
    args: ["enqueue", "--file", "-"],
    stdin: JSON.stringify({ command: "é".repeat(128 * 1024) }) + "\n",
    code: 2,
    message: /Line 1: Field "command" is too long: 262144 bytes in UTF-8, at most 130048$/,
  },
  {
    args: ["enqueue", "--file", "-"],
    stdin: JSON.stringify({
      command: "true",
      env: Object.fromEntries(
        Array.from({ length: 200 }, (_, i) => [`VAR_${i}`, "x".repeat(32 * 1024)]),
      ),
    }) + "\n",
    code: 2,
    message: /Line 1: Field "env" is too large: .* at most 1048576$/,
  },
  { args: ["enqueue", '{"command":"true","cwd":"/no/such/dir"}'], code: 2, message: /"cwd"/ },
  { args: ["enqueue", '{"command":"true","id":"../../etc"}'], code: 2, message: /"id" must be/ },
  { args: ["enqueue", "[1,2]"], code: 2, message: /"\[1,2\]" is not a JSON object/ },
  {
    args: ["enqueue"],
    code: 2,
    message:
      /Missing the job: '<json>', --file PATH or -- <command…>; see "queuectl enqueue --help"/,
  },
  {
    args: ["enqueue", "--file", "-"],
    stdin: '{"command":"true"}\n{"command":"true"}\n{"command":"true","bogus":1}\n',
    code: 2,
    message: /^queuectl: Line 3: Unknown field "bogus"/,
  },
  { args: ["enqueue", "--file", "/no/such/file"], code: 2, message: /no such file/ },
  { args: ["list", "--state", "sleeping"], code: 2, message: /Unknown state "sleeping"/ },
  { args: ["list", "--limit", "ten"], code: 2, message: /--limit must be an integer/ },
  { args: ["config", "get", "colour"], code: 2, message: /Unknown config key "colour"/ },
  { args: ["config", "set", "colour", "red"], code: 2, message: /Unknown config key "colour"/ },
  {
    args: ["config", "set", "max-retries", "many"],
    code: 2,
    message: /"max_retries" must be an integer/,
  },
  { args: ["config", "set", "fsync", "sometimes"], code: 2, message: /"fsync" must be one of/ },
  { args: ["show", "nope"], code: 3, message: /No job with id "nope"/ },
  { args: ["logs", "nope"], code: 3, message: /No job with id "nope"/ },
  { args: ["dlq", "retry", "nope"], code: 3, message: /No job with id "nope"/ },
  {
    args: ["dlq", "retry", "existing"],
    code: 2,
    message: /is pending, not in the dead letter queue/,
  },
  { args: ["wait", "nope"], code: 3, message: /No job with id "nope"/ },
  { args: ["show"], code: 2, message: /Missing argument <id>; see "queuectl show --help"/ },
  { args: ["frobnicate"], code: 2, message: /Unknown command "frobnicate"/ },
  { args: ["worker", "dance"], code: 2, message: /"worker" has no subcommand "dance"/ },
  {
    args: ["status", "--bogus"],
    code: 2,
    message: /Unknown option "--bogus"; see "queuectl status --help"/,
  },
  {
    args: ["worker", "start", "--count", "0"],
    code: 2,
    message: /--count must be an integer of at least 1/,
  },
  { args: ["wait", "--timeout", "soon"], code: 2, message: /--timeout must be a duration/ },
  {
    args: ["wait", "--timeout", "99999999999999999999999", "nope"],
    code: 2,
    message: /Option --timeout must be a duration from 0 to 31622400 seconds \(366d\)/,
  },
  {
    args: ["worker", "stop", "--timeout", "400d"],
    code: 2,
    message: /Option --timeout must be a duration from 0 to 31622400 seconds \(366d\)/,
  },
  {
    args: ["config", "set", "backoff-max", "99999999999999999999999"],
    code: 2,
    message: /Config "backoff_max" must be a duration from 0 to 366d \(31622400 seconds\)/,
  },
  {
    args: ["config", "set", "job_timeout", "400d"],
    code: 2,
    message: /Config "job_timeout" must be a duration from 0 \(none\) to 366d/,
  },
  {
    args: ["config", "set", "stall-timeout", "1"],
    code: 2,
    message: /Config "stall_timeout" must be a duration from 3s to 1d/,
  },
  {
    args: ["config", "set", "poll-interval", "0.001"],
    code: 2,
    message: /Config "poll_interval" must be a duration from 50ms to 1h/,
  },
  {
    args: ["config", "set", "compact-threshold", "1e30"],
    code: 2,
    message: /Config "compact_threshold" must be an integer number of bytes from 1024 to/,
  },
];

Deno.test("bad input: exit 2 or 3, one line on stderr, nothing on stdout, the store unchanged", async () => {
  await withQueue(async (home) => {
    await ok(home, ["enqueue", '{"id":"existing","command":"true"}']);
    const before = await storeContents(home);
    const entries = async () =>
      (await Array.fromAsync(Deno.readDir(home))).map((e) => e.name).sort();
    const filesBefore = await entries();
    for (const { args, stdin, code, message } of cases) {
      const what = `queuectl ${args.join(" ")}`;
      const result = await queuectl(home, args, stdin === undefined ? {} : { stdin });
      assert.equal(result.code, code, `${what}: exit code (stderr: ${result.stderr})`);
      assert.equal(result.stdout, "", `${what}: stdout`);
      const lines = result.stderr.split("\n").filter((line) => line.length > 0);
      assert.equal(
        lines.length,
        1,
        `${what}: one line on stderr, got ${JSON.stringify(result.stderr)}`,
      );
      assert.match(lines[0]!, /^queuectl: /, what);
      assert.match(lines[0]!, message, what);
      assert.equal(await storeContents(home), before, `${what}: store unchanged`);
    }
    assert.deepEqual(await entries(), filesBefore, "no new files in the home");
  });
});

Deno.test("every command has --help, and the overview lists them", async () => {
  await withQueue(async (home) => {
    const overview = await ok(home, ["--help"]);
    const commands = [
      ["enqueue"],
      ["worker", "start"],
      ["worker", "stop"],
      ["status"],
      ["list"],
      ["show"],
      ["logs"],
      ["cancel"],
      ["retry"],
      ["dlq", "list"],
      ["dlq", "retry"],
      ["config", "get"],
      ["config", "set"],
      ["wait"],
      ["compact"],
      ["doctor"],
    ];
    for (const name of commands) {
      assert.ok(overview.includes(`  ${name.join(" ")}`), `overview lists ${name.join(" ")}`);
      const help = await ok(home, [...name, "--help"]);
      assert.match(help, new RegExp(`^Usage: queuectl ${name.join(" ")}`), name.join(" "));
      assert.match(help, /--home DIR/);
    }
    assert.match(await ok(home, ["dlq", "--help"]), /Usage: queuectl dlq list/);
  });
});

Deno.test("deno.json tasks carry exactly the permission flags queuectl spawns workers with", async () => {
  const { PERMISSION_FLAGS } = await import("../../src/permissions.ts");
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  for (const task of ["queuectl", "compile"]) {
    const command: string = config.tasks[task];
    for (const flag of PERMISSION_FLAGS) {
      assert.ok(command.includes(` ${flag} `), `${task} has ${flag}`);
    }
    const flags = command.split(" ").filter((word) => word.startsWith("--allow"));
    assert.deepEqual(flags, PERMISSION_FLAGS, `${task} has no other permission`);
    assert.ok(!/\s-A(\s|$)|--allow-all/.test(command), `${task} never uses -A`);
  }
  for (const [name, command] of Object.entries(config.tasks as Record<string, string>)) {
    assert.ok(!/\s-A(\s|$)|--allow-all/.test(command), `${name} never uses -A`);
  }
});

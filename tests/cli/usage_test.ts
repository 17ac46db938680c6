import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { PERMISSION_FLAGS } from "../../src/permissions.ts";
import { type CliResult, ok, storeContents, storeEnv, withQueue } from "./_cli.ts";

const MAIN = fileURLToPath(new URL("../../main.ts", import.meta.url));
const CONFIG = fileURLToPath(new URL("../../deno.json", import.meta.url));

/** queuectl with exactly `args` (no `--home` added): the home comes from `QUEUECTL_HOME`. */
async function run(home: string, args: string[]): Promise<CliResult> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      ...PERMISSION_FLAGS,
      `--config=${CONFIG}`,
      MAIN,
      ...args,
    ],
    stdin: "null",
    cwd: home,
    env: { NO_COLOR: "1", QUEUECTL_HOME: home, INIT_CWD: home, ...storeEnv(home) },
  }).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

/** A usage error: the line it must print after `queuectl: `, up to the pointer to help. */
interface UsageCase {
  args: string[];
  problem: string;
  /** The command whose help it points to; none for queuectl itself. */
  help?: string;
}

const COMMANDS = [
  "enqueue",
  "worker start",
  "worker stop",
  "worker run",
  "status",
  "list",
  "show",
  "logs",
  "dlq list",
  "dlq retry",
  "config get",
  "config set",
  "wait",
  "compact",
  "doctor",
];

const CASES: UsageCase[] = [
  { args: ["--bogus"], problem: 'Unknown option "--bogus"' },
  { args: ["-x"], problem: 'Unknown option "-x"' },
  { args: ["--home"], problem: "Option --home needs a value" },
  { args: ["--home", "status"], problem: 'Option --home needs a value ("status" is a command)' },
  {
    args: ["--home", "worker", "start"],
    problem: 'Option --home needs a value ("worker" is a command)',
  },
  { args: ["--json"], problem: "Missing command" },
  { args: ["--", "status"], problem: 'Unexpected argument "status"' },
  { args: ["frobnicate"], problem: 'Unknown command "frobnicate"' },
  {
    args: ["worker", "dance"],
    problem: '"worker" has no subcommand "dance" (start, stop)',
    help: "worker",
  },
  { args: ["dlq", "dance"], problem: '"dlq" has no subcommand "dance" (list, retry)', help: "dlq" },
  {
    args: ["config", "dance"],
    problem: '"config" has no subcommand "dance" (get, set)',
    help: "config",
  },
  {
    args: ["worker", "--json"],
    problem: 'Missing subcommand of "worker" (start, stop)',
    help: "worker",
  },
  { args: ["worker", "--count"], problem: 'Unknown option "--count"', help: "worker" },
  { args: ["worker", "--home"], problem: "Option --home needs a value", help: "worker" },
  // Not `--home dlq list`: that is `list` in the home "dlq".
  ...COMMANDS.filter((name) => !name.includes(" ")).map((name) => ({
    args: ["--home", name],
    problem: `Option --home needs a value ("${name}" is a command)`,
  })),
  ...COMMANDS.flatMap((name): UsageCase[] => [
    { args: [...name.split(" "), "--bogus"], problem: 'Unknown option "--bogus"', help: name },
    { args: [...name.split(" "), "--home"], problem: "Option --home needs a value", help: name },
    {
      args: [...name.split(" "), "--json=yes"],
      problem: "Option --json does not take a value",
      help: name,
    },
  ]),
  {
    args: ["enqueue"],
    problem: "Missing the job: '<json>', --file PATH or -- <command…>",
    help: "enqueue",
  },
  { args: ["enqueue", "--file"], problem: "Option --file needs a value", help: "enqueue" },
  { args: ["enqueue", "--env"], problem: "Option --env needs a value", help: "enqueue" },
  {
    args: ["enqueue", "--priority", "--", "true"],
    problem: "Option --priority needs a value",
    help: "enqueue",
  },
  { args: ["enqueue", "--"], problem: 'Missing the command after "--"', help: "enqueue" },
  {
    args: ["enqueue", "echo", "hi"],
    problem:
      '"echo hi" is not a JSON object; for a command, put it after "--": queuectl enqueue -- echo hi',
    help: "enqueue",
  },
  {
    args: ["enqueue", '{"command":"true"}', "extra"],
    problem: 'Unexpected argument "extra"',
    help: "enqueue",
  },
  {
    args: ["enqueue", "--file", "-", '{"command":"true"}'],
    problem: "Give the job as '<json>' or with --file, not both",
    help: "enqueue",
  },
  {
    args: ["enqueue", "--file", "-", "--", "true"],
    problem: 'Give the job with --file or after "--", not both',
    help: "enqueue",
  },
  {
    args: ["enqueue", '{"command":"true"}', "--", "true"],
    problem: 'Unexpected argument "{\\"command\\":\\"true\\"}" before "--"',
    help: "enqueue",
  },
  {
    args: ["enqueue", "--max-retries", "2", '{"command":"true"}'],
    problem:
      'Option --max-retries goes with "-- <command…>"; in JSON, give the field "max_retries"',
    help: "enqueue",
  },
  {
    args: ["worker", "start", "--count"],
    problem: "Option --count needs a value",
    help: "worker start",
  },
  { args: ["worker", "start", "-n"], problem: "Option -n needs a value", help: "worker start" },
  {
    args: ["worker", "start", "extra"],
    problem: 'Unexpected argument "extra"',
    help: "worker start",
  },
  {
    args: ["worker", "stop", "--timeout"],
    problem: "Option --timeout needs a value",
    help: "worker stop",
  },
  {
    args: ["worker", "stop", "extra"],
    problem: 'Unexpected argument "extra"',
    help: "worker stop",
  },
  {
    args: ["worker", "run", "--log-file"],
    problem: "Option --log-file needs a value",
    help: "worker run",
  },
  { args: ["status", "extra"], problem: 'Unexpected argument "extra"', help: "status" },
  { args: ["list", "--state"], problem: "Option --state needs a value", help: "list" },
  { args: ["list", "--limit", "--json"], problem: "Option --limit needs a value", help: "list" },
  { args: ["list", "extra"], problem: 'Unexpected argument "extra"', help: "list" },
  { args: ["show"], problem: "Missing argument <id>", help: "show" },
  { args: ["show", "existing", "extra"], problem: 'Unexpected argument "extra"', help: "show" },
  { args: ["logs"], problem: "Missing argument <id>", help: "logs" },
  {
    args: ["logs", "existing", "--attempt"],
    problem: "Option --attempt needs a value",
    help: "logs",
  },
  { args: ["logs", "existing", "extra"], problem: 'Unexpected argument "extra"', help: "logs" },
  { args: ["dlq", "list", "extra"], problem: 'Unexpected argument "extra"', help: "dlq list" },
  { args: ["dlq", "retry"], problem: "Missing argument <id>… (or --all)", help: "dlq retry" },
  {
    args: ["dlq", "retry", "existing", "--all"],
    problem: "Give job ids or --all, not both",
    help: "dlq retry",
  },
  { args: ["config", "get", "a", "b"], problem: 'Unexpected argument "b"', help: "config get" },
  { args: ["config", "set"], problem: "Missing argument <key>", help: "config set" },
  {
    args: ["config", "set", "max_retries"],
    problem: "Missing argument <value>",
    help: "config set",
  },
  {
    args: ["config", "set", "max_retries", "1", "2"],
    problem: 'Unexpected argument "2"',
    help: "config set",
  },
  { args: ["wait", "--timeout"], problem: "Option --timeout needs a value", help: "wait" },
  { args: ["compact", "extra"], problem: 'Unexpected argument "extra"', help: "compact" },
  { args: ["doctor", "extra"], problem: 'Unexpected argument "extra"', help: "doctor" },
];

Deno.test("every usage error is one line naming the option or argument, then where the help is; exit 2, nothing on stdout, nothing written", async () => {
  await withQueue(async (home) => {
    await ok(home, ["enqueue", '{"id":"existing","command":"true"}']);
    const before = await storeContents(home);
    const entries = async () =>
      (await Array.fromAsync(Deno.readDir(home))).map((e) => e.name).sort();
    const filesBefore = await entries();
    for (const { args, problem, help } of CASES) {
      const what = `queuectl ${args.join(" ")}`;
      const result = await run(home, args);
      assert.equal(result.code, 2, `${what}: exit code (stderr: ${result.stderr})`);
      assert.equal(result.stdout, "", `${what}: stdout`);
      const pointer = `see "queuectl ${help === undefined ? "" : `${help} `}--help"`;
      assert.equal(result.stderr, `queuectl: ${problem}; ${pointer}\n`, what);
      assert.equal(await storeContents(home), before, `${what}: store unchanged`);
    }
    assert.deepEqual(await entries(), filesBefore, "no new files in the home");
  });
});

Deno.test("queuectl alone prints the overview on stdout and exits 0, as gh does", async () => {
  await withQueue(async (home) => {
    const bare = await run(home, []);
    assert.equal(bare.code, 0, bare.stderr);
    assert.equal(bare.stderr, "");
    assert.match(bare.stdout, /^queuectl .*\n\nUsage: queuectl <command> \[options\]\n/);
    assert.match(bare.stdout, /\n {2}enqueue -- <command…> +add a job without writing JSON/);
    assert.equal((await run(home, ["--help"])).stdout, bare.stdout);
  });
});

Deno.test("a command group alone prints the help of its subcommands and exits 0", async () => {
  await withQueue(async (home) => {
    const worker = await run(home, ["worker"]);
    assert.equal(worker.code, 0, worker.stderr);
    assert.equal(worker.stderr, "");
    assert.match(worker.stdout, /^Usage: queuectl worker start /);
    assert.match(worker.stdout, /\nUsage: queuectl worker stop /);
    assert.doesNotMatch(worker.stdout, /worker run/, "hidden commands stay hidden");
    assert.equal((await run(home, ["worker", "--help"])).stdout, worker.stdout);
  });
});

Deno.test("an error's exit status holds when nobody reads stderr any more (`2>&1 | true`)", async () => {
  await withQueue(async (home) => {
    const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
    const queuectl = [Deno.execPath(), "run", "--quiet", "--no-prompt", ...PERMISSION_FLAGS]
      .concat([`--config=${CONFIG}`, MAIN, "--home", home]).map(quote).join(" ");
    for (const [args, code] of [["show nosuch", "3"], ["enqueue --id 'a b' -- true", "2"]]) {
      // `true` exits at once: queuectl's error line meets a pipe nobody reads.
      const script = `${queuectl} ${args} 2>&1 | true; echo "\${PIPESTATUS[0]}"`;
      const out = await new Deno.Command("bash", {
        args: ["-c", script],
        env: { NO_COLOR: "1", ...storeEnv(home) },
      }).output();
      assert.equal(new TextDecoder().decode(out.stdout).trim(), code, args);
    }
  });
});

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { PERMISSION_FLAGS } from "../../src/permissions.ts";
import {
  type CliOptions,
  type JobJson,
  json,
  ok,
  queuectl,
  storeContents,
  storeEnv,
  withQueue,
} from "./_cli.ts";

/** The fields a job gets from its input, to compare two jobs enqueued in different ways. */
function given(job: JobJson): Partial<JobJson> {
  const { command, max_retries, priority, run_at, timeout, cwd, env } = job;
  return { command, max_retries, priority, run_at, timeout, cwd, env };
}

/** Runs in `dir` as the user's directory (under `deno task`, `INIT_CWD` would name another). */
function inDir(dir: string): CliOptions {
  return { cwd: dir, env: { INIT_CWD: dir } };
}

/** `queuectl enqueue --json <args…>`: `--json` first, since words after `--` are the command's. */
async function enqueueJson(home: string, args: string[], cwd?: string): Promise<JobJson> {
  const stdout = await ok(
    home,
    ["enqueue", "--json", ...args],
    cwd === undefined ? {} : inDir(cwd),
  );
  return JSON.parse(stdout) as JobJson;
}

Deno.test("enqueue -- <command…> joins the words with single spaces; the job's sh -c runs them", async () => {
  await withQueue(async (home) => {
    const id = (await ok(home, [
      "enqueue",
      "--env",
      "GREETING=hello",
      "--",
      "echo",
      "$GREETING",
      "&&",
      "printf",
      "%s-",
      "a",
      "b c",
    ])).trim();
    const job = await json<JobJson>(home, ["show", id]);
    assert.equal(job.command, "echo $GREETING && printf %s- a b c");
    await ok(home, ["worker", "start"]);
    assert.equal((await queuectl(home, ["wait", id, "--timeout", "20"])).code, 0);
    assert.equal(await ok(home, ["logs", id]), "hello\na-b-c-");
  });
});

Deno.test("enqueue [options] -- <command…> makes the same job as the JSON with those fields", async () => {
  await withQueue(async (home) => {
    await Deno.mkdir(`${home}/sub`);
    const plain = await enqueueJson(home, [
      "--id",
      "plain",
      "--priority",
      "-3",
      "--max-retries",
      "2",
      "--timeout",
      "1.5m",
      "--run-at",
      "2030-01-01T03:00:00+02:00",
      "--env",
      "A=1",
      "--env",
      "B=x=y",
      "--env=C=",
      "--cwd",
      "sub",
      "--",
      "make",
      "-C",
      "/src/app",
      "test",
    ], home);
    assert.equal(plain.id, "plain");
    const fromJson = await json<JobJson>(home, [
      "enqueue",
      JSON.stringify({
        command: "make -C /src/app test",
        priority: -3,
        max_retries: 2,
        timeout: 90,
        run_at: "2030-01-01T01:00:00Z",
        env: { A: "1", B: "x=y", C: "" },
        cwd: `${home}/sub`,
      }),
    ]);
    assert.deepEqual(given(plain), given(fromJson));
    assert.deepEqual(given(await json<JobJson>(home, ["show", "plain"])), given(plain));
  });
});

Deno.test("enqueue -- prints only the new id, like the JSON form; defaults are the JSON form's", async () => {
  await withQueue(async (home) => {
    const here = `${home}/here`;
    await Deno.mkdir(here);
    const plain = await ok(home, ["enqueue", "--", "true"], inDir(here));
    assert.match(plain, /^[0-9A-Z]{26}\n$/);
    const fromJson = await ok(home, ["enqueue", '{"command":"true"}'], inDir(here));
    const [a, b] = await Promise.all(
      [plain, fromJson].map((id) => json<JobJson>(home, ["show", id.trim()])),
    );
    assert.equal(a!.cwd, here);
    assert.deepEqual({ ...given(a!), run_at: "" }, { ...given(b!), run_at: "" });
  });
});

Deno.test("enqueue --delay is counted from the enqueue; --timeout 0 is no timeout", async () => {
  await withQueue(async (home) => {
    const start = Date.now();
    const job = await enqueueJson(home, ["--delay", "10m", "--timeout", "0", "--", "true"]);
    const end = Date.now();
    const runAt = Date.parse(job.run_at);
    assert.ok(runAt >= start + 600_000 && runAt <= end + 600_000, job.run_at);
    assert.equal(job.timeout, null);
    assert.equal(job.state, "pending");
  });
});

Deno.test("enqueue --run-at without a zone is the enqueuer's local time", async () => {
  await withQueue(async (home) => {
    const result = await queuectl(
      home,
      ["enqueue", "--json", "--run-at", "2030-01-01T03:00", "--", "true"],
      { env: { TZ: "Asia/Kolkata" } },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as JobJson).run_at, "2029-12-31T21:30:00.000Z");
  });
});

const REFUSED: { args: string[]; message: string }[] = [
  { args: ["--priority", "high"], message: 'Option --priority must be an integer, got "high"' },
  {
    args: ["--priority", "99999999999"],
    message: "Option --priority must be from -2147483647 to 2147483647, got 99999999999",
  },
  {
    args: ["--max-retries", "5000"],
    message: "Option --max-retries must be from 0 to 1000, got 5000",
  },
  { args: ["--max-retries", "-1"], message: "Option --max-retries must be from 0 to 1000, got -1" },
  {
    args: ["--timeout", "400d"],
    message:
      'Option --timeout must be a duration from 0 to 31622400 seconds (366d) (e.g. 30, 1.5, 2m), got "400d"',
  },
  {
    args: ["--delay", "soon"],
    message:
      'Option --delay must be a duration from 0 to 31622400 seconds (366d) (e.g. 30, 1.5, 2m), got "soon"',
  },
  {
    args: ["--delay", "1m", "--run-at", "2030-01-01T03:00"],
    message:
      'Options --delay and --run-at do not go together: give one; see "queuectl enqueue --help"',
  },
  {
    args: ["--run-at", "2026-02-30T00:00:00Z"],
    message: 'Option --run-at is not a valid date-time, got "2026-02-30T00:00:00Z"',
  },
  {
    args: ["--id", "../etc"],
    message: 'Option --id must be 1-128 of A-Z a-z 0-9 . _ : - (not "." or ".."), got "../etc"',
  },
  { args: ["--id", "existing"], message: 'A job with id "existing" already exists' },
  { args: ["--env", "NAME"], message: 'Option --env must be NAME=value, got "NAME"' },
  { args: ["--env", "=x"], message: 'Option --env must be NAME=value, got "=x"' },
  { args: ["--env", "1A=b"], message: 'Option --env has an invalid variable name, got "1A"' },
  {
    args: ["--cwd", "no/such/dir"],
    message: 'Option --cwd: "HOME/no/such/dir" is not an existing directory',
  },
  {
    args: ["--queue", "no/slash"],
    message: 'Option --queue must be 1-64 of A-Z a-z 0-9 . _ -, got "no/slash"',
  },
  { args: ["--after", "nope"], message: 'Option --after: no job with id "nope"' },
  {
    args: ["--after", "a b"],
    message: 'Option --after must hold job ids (1-128 of A-Z a-z 0-9 . _ : -), got "a b"',
  },
  {
    args: ["--unique-key", ""],
    message: 'Option --unique-key must be a string of 1 to 256 characters, got ""',
  },
];

Deno.test("enqueue -- refuses a bad option value naming the option: one line, exit 2, nothing written", async () => {
  await withQueue(async (home) => {
    await ok(home, ["enqueue", '{"id":"existing","command":"true"}']);
    const before = await storeContents(home);
    const cases = [
      ...REFUSED.map(({ args, message }) => ({ args: [...args, "--", "true"], message })),
      { args: ["--", ""], message: 'The command after "--" must not be empty, got ""' },
      { args: ["--", " "], message: 'The command after "--" must not be empty, got " "' },
    ];
    for (const { args, message } of cases) {
      const what = `queuectl enqueue ${args.join(" ")}`;
      const result = await queuectl(home, ["enqueue", ...args], inDir(home));
      assert.equal(result.code, 2, `${what}: exit code (stderr: ${result.stderr})`);
      assert.equal(result.stdout, "", what);
      assert.equal(result.stderr, `queuectl: ${message.replace("HOME", home)}\n`, what);
      assert.equal(await storeContents(home), before, `${what}: store unchanged`);
    }
  });
});

Deno.test("the examples in enqueue --help work as written, in a shell", async () => {
  await withQueue(async (home) => {
    const help = await ok(home, ["enqueue", "--help"]);
    const examples = help.split("\n").filter((line) =>
      /^ {2}\S/.test(line) && line.includes("queuectl enqueue")
    )
      .map((line) => line.trim());
    assert.ok(examples.length >= 7, `examples found: ${examples.length}`);
    assert.ok(examples.some((line) => line.includes(" -- ")), "an example of the plain form");
    const user = `${home}/user`;
    await Deno.mkdir(`${user}/src/app`, { recursive: true });
    const main = fileURLToPath(new URL("../../main.ts", import.meta.url));
    const config = fileURLToPath(new URL("../../deno.json", import.meta.url));
    const define = `queuectl() { "${Deno.execPath()}" run --quiet --no-prompt ${
      PERMISSION_FLAGS.join(" ")
    } --config="${config}" "${main}" "$@"; }`;
    for (const example of examples) {
      const { code, stdout, stderr } = await new Deno.Command("sh", {
        args: ["-c", `${define}\n${example}`],
        cwd: user,
        env: { HOME: user, QUEUECTL_HOME: home, NO_COLOR: "1", INIT_CWD: user, ...storeEnv(home) },
        stdin: "null",
      }).output();
      const text = new TextDecoder();
      assert.equal(code, 0, `${example}: ${text.decode(stderr)}`);
      assert.match(text.decode(stdout), /^[0-9A-Za-z]+\n/, example);
    }
    const jobs = await json<JobJson[]>(home, ["list"]);
    assert.equal(jobs.length, examples.length + 1, "the --file example adds two jobs");
    const commands = jobs.map((job) => job.command);
    assert.ok(commands.includes(`make -C ${user}/src/app test`), "~ expanded by the user's shell");
    assert.ok(commands.includes("echo $HOME && date"), "quoted words reach the job's shell");
    assert.equal(jobs.find((job) => job.id === "report")?.cwd, `${user}/src/app`);
    const make = jobs.find((job) => job.command === `make -C ${user}/src/app test`);
    assert.equal(make?.cwd, user, "without --cwd, where the user ran it");
  });
});

import assert from "node:assert/strict";
import { ValidationError } from "../../src/errors.ts";
import { parseCommandLine, type ParseOption } from "../../src/cli/parse_args.ts";

const OPTIONS: Record<string, ParseOption> = {
  env: { type: "string", multiple: true },
  home: { type: "string" },
  priority: { type: "string", short: "p" },
  json: { type: "boolean" },
};

Deno.test("parseCommandLine() collects a repeatable option into an array, in order", () => {
  const parsed = parseCommandLine(
    ["--env", "A=1", "x", "--env=B=2", "--home", "h1", "--home", "h2"],
    OPTIONS,
  );
  assert.deepEqual(parsed.values, { env: ["A=1", "B=2"], home: "h2" });
  assert.deepEqual(parsed.positionals, ["x"]);
  assert.deepEqual(parseCommandLine(["--env", "A=1"], OPTIONS).values, { env: ["A=1"] });
  assert.deepEqual(parseCommandLine([], OPTIONS).values, {});
});

Deno.test("parseCommandLine() returns the words after -- apart, options among them untouched", () => {
  const parsed = parseCommandLine(["-p", "-5", "--", "ls", "--json", "-p", "--"], OPTIONS);
  assert.deepEqual(parsed.values, { priority: "-5" });
  assert.deepEqual(parsed.afterDashes, ["ls", "--json", "-p", "--"]);
  assert.deepEqual(parsed.positionals, ["ls", "--json", "-p", "--"]);
  assert.deepEqual(parseCommandLine(["a", "--"], OPTIONS).afterDashes, []);
  assert.equal(parseCommandLine(["a"], OPTIONS).afterDashes, undefined);
});

Deno.test("parseCommandLine() names the option in every error", () => {
  const cases: [string[], string][] = [
    [["--bogus"], 'Unknown option "--bogus"'],
    [["--bogus=1"], 'Unknown option "--bogus"'],
    [["-x"], 'Unknown option "-x"'],
    [["-pj"], 'Unknown option "-pj"'],
    [["--home"], "Option --home needs a value"],
    [["--home", "--json"], "Option --home needs a value"],
    [["--home", "--"], "Option --home needs a value"],
    [["--env"], "Option --env needs a value"],
    [["-p"], "Option -p needs a value"],
    [["--json=yes"], "Option --json does not take a value"],
  ];
  for (const [args, message] of cases) {
    assert.throws(
      () => parseCommandLine(args, OPTIONS),
      new ValidationError(message),
      args.join(" "),
    );
  }
});

Deno.test("parseCommandLine() knows no option by a name of Object.prototype", () => {
  for (const name of ["toString", "constructor", "__proto__"]) {
    assert.throws(
      () => parseCommandLine([`--${name}`, "x"], OPTIONS),
      new ValidationError(`Unknown option "--${name}"`),
    );
  }
});

/**
 * The CLI entry: finds the command, parses its arguments, runs it, and turns every error into one
 * line on stderr and an exit code.
 *
 * Only `enqueue` is loaded with this module: it is the command run most often and one whose start
 * is measured (issue 14). The other commands (workers, the dashboard, PostgreSQL admin…) and the
 * help texts are most of queuectl's code and are imported when the line names them.
 * @module
 */

import { QueueError, ValidationError } from "../errors.ts";
import { storeUrl } from "../open_store.ts";
import {
  CommandContext,
  type CommandSpec,
  GLOBAL_OPTIONS,
  type OptionSpec,
  parseCommandArgs,
  parserOptions,
  usageError,
} from "./command.ts";
import { enqueueCommand } from "./enqueue.ts";
import { Output } from "./output.ts";
import { parseCommandLine, type ParsedArgs } from "./parse_args.ts";

/** What `queuectl` takes without a command. */
const TOP_LEVEL_OPTIONS: Record<string, OptionSpec> = {
  ...GLOBAL_OPTIONS,
  version: { type: "boolean", short: "V", help: "print the version" },
};

/**
 * Runs queuectl with `argv` and returns the exit code.
 * @param argv The arguments after the program name.
 * @param out Where to print.
 * @returns 0 on success, else the error's code.
 */
export async function runCli(argv: string[], out: Output = new Output()): Promise<number> {
  const debug = argv.includes("--debug") || envFlag("QUEUECTL_DEBUG");
  try {
    const found = await findCommand(argv);
    if (!found) return await topLevel(argv, out);
    const { spec, rest } = found;
    const { args, options, rest: afterDashes } = parseCommandArgs(spec, rest);
    if (options.help) {
      const { commandHelp } = await import("./help.ts");
      out.line(commandHelp(spec));
      return 0;
    }
    const url = storeUrl(options.store as string | undefined);
    if (url !== undefined) {
      // Every process this one starts (workers, the dashboard) uses the same store, and the URL
      // (with its password) is in the environment, not in anyone's command line.
      Deno.env.set("QUEUECTL_STORE", url);
      const { reachStore } = await import("./store_network.ts");
      const rerun = await reachStore(argv);
      if (rerun !== undefined) return rerun;
    }
    return await spec.run(new CommandContext(out, options), args, options, afterDashes);
  } catch (error) {
    return reportError(error, out, debug);
  }
}

/** The first non-option words: the command's name (an option's value is not a word). */
function leadingWords(argv: string[]): { word: string; index: number }[] {
  const words: { word: string; index: number }[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const arg = argv[i]!;
    if (arg === "--") break;
    if (arg === "--home" || arg === "--store") i++;
    else if (!arg.startsWith("-")) words.push({ word: arg, index: i });
  }
  return words;
}

/** Every command; all but `enqueue` are loaded by this call. */
async function allCommands(): Promise<CommandSpec[]> {
  return (await import("./commands.ts")).COMMANDS;
}

/**
 * The commands that may match a line: `enqueue` alone when the line starts with it (no other
 * command's name starts with that word; a test checks), else all of them.
 */
function candidates(words: { word: string }[]): CommandSpec[] | Promise<CommandSpec[]> {
  return words[0]?.word === enqueueCommand.name[0] ? [enqueueCommand] : allCommands();
}

async function findCommand(
  argv: string[],
): Promise<{ spec: CommandSpec; rest: string[] } | undefined> {
  const words = leadingWords(argv);
  let best: CommandSpec | undefined;
  for (const spec of await candidates(words)) {
    if (spec.name.every((word, i) => words[i]?.word === word)) {
      if (!best || spec.name.length > best.name.length) best = spec;
    }
  }
  if (!best) return undefined;
  const drop = new Set(words.slice(0, best.name.length).map((w) => w.index));
  return { spec: best, rest: argv.filter((_, i) => !drop.has(i)) };
}

/**
 * No command matched: the overview or a group's help when nothing else was given (exit 0, as `gh`
 * does), `--version`, else a usage error naming the problem.
 */
async function topLevel(argv: string[], out: Output): Promise<number> {
  const { commandHelp, overviewHelp, VERSION } = await import("./help.ts");
  const commands = await allCommands();
  const words = leadingWords(argv);
  const first = words[0];
  if (first === undefined) {
    const parsed = parseOptionsOnly(argv, undefined);
    if (parsed.values.version) {
      out.line(`queuectl ${VERSION}`);
      return 0;
    }
    if (argv.length === 0 || (parsed.values.help && parsed.positionals.length === 0)) {
      out.line(overviewHelp());
      return 0;
    }
    homeTookCommand(argv, commands);
    const extra = parsed.positionals[0];
    throw usageError(
      undefined,
      extra === undefined ? "Missing command" : `Unexpected argument "${extra}"`,
    );
  }
  const group = commands.filter((spec) =>
    spec.name.length > 1 && spec.name[0] === first.word && !spec.hidden
  );
  if (group.length === 0) {
    homeTookCommand(argv, commands);
    throw usageError(undefined, `Unknown command "${first.word}"`);
  }
  const groupName = { name: [first.word] };
  const subs = group.map((s) => s.name[1]).join(", ");
  const second = words[1];
  if (second !== undefined) {
    throw usageError(groupName, `"${first.word}" has no subcommand "${second.word}" (${subs})`);
  }
  const others = argv.filter((_, i) => i !== first.index);
  const parsed = parseOptionsOnly(others, groupName);
  if (others.length === 0 || (parsed.values.help && parsed.positionals.length === 0)) {
    out.line(group.map(commandHelp).join("\n\n"));
    return 0;
  }
  throw usageError(groupName, `Missing subcommand of "${first.word}" (${subs})`);
}

/** Parses a line without a command against the options every command takes. */
function parseOptionsOnly(argv: string[], where: { name: string[] } | undefined): ParsedArgs {
  try {
    return parseCommandLine(argv, parserOptions(TOP_LEVEL_OPTIONS));
  } catch (error) {
    if (error instanceof ValidationError) throw usageError(where, error.message);
    throw error;
  }
}

/**
 * On a line that names no command, `--home worker start` most likely lacks the home: the word
 * taken as its value is a command.
 * @throws {ValidationError} naming `--home` when so.
 */
function homeTookCommand(argv: string[], commands: CommandSpec[]): void {
  for (let i = 0; i < argv.length - 1 && argv[i] !== "--"; i++) {
    const value = argv[i + 1]!;
    if (argv[i] === "--home" && commands.some((spec) => spec.name[0] === value)) {
      throw usageError(undefined, `Option --home needs a value ("${value}" is a command)`);
    }
  }
}

function reportError(error: unknown, out: Output, debug: boolean): number {
  if (error instanceof Deno.errors.BrokenPipe) return 0; // e.g. `queuectl list | head`
  let code = 1;
  let message: string;
  if (error instanceof QueueError) {
    code = error.exitCode;
    message = error.message;
  } else if (error instanceof Deno.errors.PermissionDenied) {
    message = `Permission denied: ${firstLine(error)}`;
  } else if (error instanceof Deno.errors.NotCapable) {
    message = `Missing Deno permission: ${
      firstLine(error)
    }; run through "deno task queuectl" or the installed command`;
  } else {
    message = `Unexpected error: ${firstLine(error)}`;
  }
  out.error(message);
  if (debug && error instanceof Error && error.stack) out.note(error.stack);
  return code;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
}

function envFlag(name: string): boolean {
  try {
    const value = Deno.env.get(name);
    return value !== undefined && value !== "" && value !== "0";
  } catch {
    return false;
  }
}

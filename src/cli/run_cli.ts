/**
 * The CLI entry: finds the command, parses its arguments, runs it, and turns every error into one
 * line on stderr and an exit code.
 * @module
 */

import { QueueError, ValidationError } from "../errors.ts";
import { CommandContext, type CommandSpec, parseCommandArgs } from "./command.ts";
import { COMMANDS } from "./commands.ts";
import { commandHelp, overviewHelp, VERSION } from "./help.ts";
import { Output } from "./output.ts";

/**
 * Runs queuectl with `argv` and returns the exit code.
 * @param argv The arguments after the program name.
 * @param out Where to print.
 * @returns 0 on success, else the error's code.
 */
export async function runCli(argv: string[], out: Output = new Output()): Promise<number> {
  const debug = argv.includes("--debug") || envFlag("QUEUECTL_DEBUG");
  try {
    const found = findCommand(argv);
    if (!found) return topLevel(argv, out);
    const { spec, rest } = found;
    const { args, options } = parseCommandArgs(spec, rest);
    if (options.help) {
      out.line(commandHelp(spec));
      return 0;
    }
    return await spec.run(new CommandContext(out, options), args, options);
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
    if (arg === "--home") i++;
    else if (!arg.startsWith("-")) words.push({ word: arg, index: i });
  }
  return words;
}

function findCommand(argv: string[]): { spec: CommandSpec; rest: string[] } | undefined {
  const words = leadingWords(argv);
  let best: CommandSpec | undefined;
  for (const spec of COMMANDS) {
    if (spec.name.every((word, i) => words[i]?.word === word)) {
      if (!best || spec.name.length > best.name.length) best = spec;
    }
  }
  if (!best) return undefined;
  const drop = new Set(words.slice(0, best.name.length).map((w) => w.index));
  return { spec: best, rest: argv.filter((_, i) => !drop.has(i)) };
}

function topLevel(argv: string[], out: Output): number {
  const words = leadingWords(argv).map((w) => w.word);
  if (argv.includes("--version") || argv.includes("-V")) {
    out.line(`queuectl ${VERSION}`);
    return 0;
  }
  if (words.length === 0) {
    out.line(overviewHelp());
    return argv.includes("--help") || argv.includes("-h") ? 0 : 2;
  }
  const group = COMMANDS.filter((spec) => spec.name.length > 1 && spec.name[0] === words[0]);
  if (group.length > 0) {
    const subs = group.filter((s) => !s.hidden).map((s) => s.name[1]).join(", ");
    if (words.length === 1 && (argv.includes("--help") || argv.includes("-h"))) {
      out.line(group.filter((s) => !s.hidden).map(commandHelp).join("\n\n"));
      return 0;
    }
    const what = words[1] === undefined ? "needs a subcommand" : `has no subcommand "${words[1]}"`;
    throw new ValidationError(`"${words[0]}" ${what}; use one of: ${subs}`);
  }
  throw new ValidationError(`Unknown command "${words[0]}"; see "queuectl --help"`);
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

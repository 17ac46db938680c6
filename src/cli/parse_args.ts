/**
 * A small strict command-line parser: long and short options, `--name=value`, repeatable options,
 * `--` to end options, positionals anywhere. Written here because loading `node:util` for
 * `parseArgs` costs every command a few milliseconds at start.
 * @module
 */

import { ValidationError } from "../errors.ts";

/** How an option is parsed. */
export interface ParseOption {
  type: "string" | "boolean";
  short?: string;
  /** A string option that may be given more than once: its value is the array of all values. */
  multiple?: boolean;
}

/** The parsed command line. */
export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  /** Every positional, those after `--` included (last). */
  positionals: string[];
  /** The words after `--`, or `undefined` when there was no `--`. */
  afterDashes: string[] | undefined;
}

/**
 * Parses `args` against `options`.
 * @param args The arguments.
 * @param options The known options by long name.
 * @returns Option values and positionals.
 * @throws {ValidationError} naming the option, for an unknown option, a missing value, or a
 * value given to a flag.
 * @example
 * ```ts
 * parseCommandLine(["-n", "2", "x", "--", "-y"], { count: { type: "string", short: "n" } });
 * // { values: { count: "2" }, positionals: ["x", "-y"], afterDashes: ["-y"] }
 * ```
 */
export function parseCommandLine(args: string[], options: Record<string, ParseOption>): ParsedArgs {
  const byShort = new Map<string, string>();
  for (const [name, option] of Object.entries(options)) {
    if (option.short) byShort.set(option.short, name);
  }
  const values: ParsedArgs["values"] = {};
  const positionals: string[] = [];
  let afterDashes: string[] | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      afterDashes = args.slice(i + 1);
      positionals.push(...afterDashes);
      break;
    }
    if (!isOptionLike(arg)) {
      positionals.push(arg);
      continue;
    }
    let name: string | undefined;
    let inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
      if (!Object.hasOwn(options, name)) {
        throw new ValidationError(`Unknown option "--${name}"`);
      }
    } else {
      name = byShort.get(arg.slice(1, 2));
      if (!name || arg.length > 2) throw new ValidationError(`Unknown option "${arg}"`);
    }
    const option = options[name]!;
    const typed = inline === undefined ? arg : `--${name}`;
    if (option.type === "boolean") {
      if (inline !== undefined) {
        throw new ValidationError(`Option ${typed} does not take a value`);
      }
      values[name] = true;
      continue;
    }
    if (inline === undefined) {
      const next = args[i + 1];
      if (next === undefined || isOptionLike(next)) {
        throw new ValidationError(`Option ${typed} needs a value`);
      }
      inline = next;
      i++;
    }
    if (option.multiple) {
      const previous = values[name];
      values[name] = Array.isArray(previous) ? [...previous, inline] : [inline];
    } else {
      values[name] = inline;
    }
  }
  return { values, positionals, afterDashes };
}

/** `-x`, `--name`, `--`: not `-` (stdin) nor a negative number. */
function isOptionLike(arg: string): boolean {
  return arg.startsWith("-") && arg !== "-" && !/^-\d/.test(arg);
}

/**
 * The shape of a CLI command and the context it runs in: parsed options, the printer, the queue
 * home and a way to open the store.
 * @module
 */

import { ValidationError } from "../errors.ts";
import { homeEnvironment, invocationDirectory, resolveHome } from "../home/resolve_home.ts";
import { MAX_DURATION_SECONDS } from "../queue/duration.ts";
import type { QueueStore } from "../queue/mod.ts";
import { openStore, storeUrl } from "../open_store.ts";
import type { Output } from "./output.ts";
import { parseCommandLine, type ParseOption } from "./parse_args.ts";

/** An option a command accepts. */
export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  /** A string option that may be given more than once; its value is then a `string[]`. */
  multiple?: boolean;
  /** Placeholder for the help text, e.g. `N`. */
  value?: string;
  help: string;
}

/** Values of parsed options. */
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** One command, e.g. `worker start`. */
export interface CommandSpec {
  /** Words that name it: `["worker", "start"]`. */
  name: string[];
  /** Positional arguments in the usage line, e.g. `<id>`. */
  args?: string;
  summary: string;
  /** Extra help text, examples. */
  details?: string;
  options: Record<string, OptionSpec>;
  /** Smallest and largest number of positional arguments. */
  positionals: [number, number];
  /** Hidden commands are left out of the overview (internal use). */
  hidden?: boolean;
  /**
   * The words after `--` are taken apart, not as positionals: their placeholder (`<command…>`)
   * and the overview's line for that form.
   */
  rest?: { name: string; summary: string };
  /**
   * Runs the command.
   * @param rest The words after `--` when the command has `rest` and the user gave `--`.
   */
  run(
    context: CommandContext,
    args: string[],
    options: OptionValues,
    rest: string[] | undefined,
  ): Promise<number>;
}

/** Options every command takes. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  home: { type: "string", value: "DIR", help: "queue home (see README: where the files live)" },
  store: {
    type: "string",
    value: "URL",
    help: "a PostgreSQL store, postgres://user:password@host:port/db (or QUEUECTL_STORE)",
  },
  json: { type: "boolean", help: "print JSON only, on stdout" },
  debug: { type: "boolean", help: "print stack traces with errors" },
  help: { type: "boolean", short: "h", help: "show help" },
};

/** Where a command runs: output, flags and the queue home. */
export class CommandContext {
  readonly out: Output;
  readonly json: boolean;
  /** Directory the user ran the command in; relative paths start here. */
  readonly cwd: string;
  #homeFlag: string | undefined;
  #home: string | undefined;
  #storeFlag: string | undefined;

  constructor(out: Output, options: OptionValues) {
    this.out = out;
    this.json = options.json === true;
    this.cwd = invocationDirectory();
    this.#homeFlag = options.home as string | undefined;
    this.#storeFlag = options.store as string | undefined;
  }

  /** The PostgreSQL URL of the store, or `undefined` for the journal in the home. */
  get storeUrl(): string | undefined {
    return storeUrl(this.#storeFlag);
  }

  /** The resolved queue home. */
  get home(): string {
    this.#home ??= resolveHome(this.#homeFlag, homeEnvironment(), this.cwd);
    return this.#home;
  }

  /**
   * Opens the queue store, runs `body`, and closes it.
   * @param body What to do with the store.
   * @returns What `body` returns.
   */
  async withStore<T>(body: (store: QueueStore) => Promise<T>): Promise<T> {
    const store = await openStore(this.home, this.storeUrl);
    try {
      return await body(store);
    } finally {
      await store.close();
    }
  }
}

/**
 * A usage error: the problem, then where to read how the command is used.
 * @param spec The command, or `undefined` for queuectl itself.
 * @param problem What is wrong, naming the option or argument.
 * @returns The error (exit code 2), e.g. `Unknown option "--bogus"; see "queuectl status --help"`.
 */
export function usageError(spec: { name: string[] } | undefined, problem: string): ValidationError {
  const command = ["queuectl", ...(spec?.name ?? [])].join(" ");
  return new ValidationError(`${problem}; see "${command} --help"`);
}

/**
 * Parses a command's arguments strictly: unknown options and wrong counts are usage errors.
 * @param spec The command.
 * @param argv Arguments after the command's name.
 * @returns Positionals, option values, and the words after `--` when the command takes them apart.
 * @throws {ValidationError} with a one-line message naming the option or argument.
 */
export function parseCommandArgs(
  spec: CommandSpec,
  argv: string[],
): { args: string[]; options: OptionValues; rest: string[] | undefined } {
  let parsed;
  try {
    parsed = parseCommandLine(argv, parserOptions({ ...spec.options, ...GLOBAL_OPTIONS }));
  } catch (error) {
    if (error instanceof ValidationError) throw usageError(spec, error.message);
    throw error;
  }
  const options = parsed.values;
  const rest = spec.rest ? parsed.afterDashes : undefined;
  const args = rest ? parsed.positionals.slice(0, parsed.positionals.length - rest.length) : [
    ...parsed.positionals,
  ];
  if (options.help) return { args, options, rest };
  const [min, max] = spec.positionals;
  if (args.length < min) {
    const missing = requiredArguments(spec.args)[args.length] ?? "argument";
    throw usageError(spec, `Missing argument ${missing}`);
  }
  if (args.length > max) throw usageError(spec, `Unexpected argument "${args[max]}"`);
  return { args, options, rest };
}

/**
 * The parser's view of option specs.
 * @param specs Options by long name.
 * @returns What `parseCommandLine` takes.
 */
export function parserOptions(specs: Record<string, OptionSpec>): Record<string, ParseOption> {
  const config: Record<string, ParseOption> = {};
  for (const [name, { type, short, multiple }] of Object.entries(specs)) {
    config[name] = { type, ...(short ? { short } : {}), ...(multiple ? { multiple } : {}) };
  }
  return config;
}

/** `<key> <value>` → `["<key>", "<value>"]`: the required arguments of a usage, in order. */
function requiredArguments(usage: string | undefined): string[] {
  return (usage ?? "").split("|")[0]!.split(/\s+/).filter((word) => /^<[^>]+>/.test(word));
}

/**
 * Reads an integer option.
 * @param options Parsed options.
 * @param name The option's name.
 * @param min Smallest allowed value.
 * @returns The value, or `undefined` if not given.
 */
export function integerOption(
  options: OptionValues,
  name: string,
  min: number,
): number | undefined {
  const raw = options[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== "string" || !/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new ValidationError(
      `Option --${name} must be an integer of at least ${min}, got "${raw}"`,
    );
  }
  return n;
}

/**
 * Reads a duration option in seconds (`30`, `1.5`, `2m`), from 0 to `max`.
 * @param options Parsed options.
 * @param name The option's name.
 * @param parse The duration parser.
 * @param max The longest accepted duration in seconds (default 366 days).
 * @returns Seconds, or `undefined` if not given.
 * @throws {ValidationError} naming the option and the range when the value is not a duration
 * in range.
 * @example
 * ```ts
 * secondsOption({ timeout: "2m" }, "timeout", parseDuration); // 120
 * ```
 */
export function secondsOption(
  options: OptionValues,
  name: string,
  parse: (text: string) => number | undefined,
  max: number = MAX_DURATION_SECONDS,
): number | undefined {
  const raw = options[name];
  if (raw === undefined) return undefined;
  const seconds = typeof raw === "string" ? parse(raw) : undefined;
  if (seconds === undefined || !(seconds >= 0 && seconds <= max)) {
    throw new ValidationError(
      `Option --${name} must be a duration from 0 to ${describeSeconds(max)} ` +
        `(e.g. 30, 1.5, 2m), got "${raw}"`,
    );
  }
  return seconds;
}

/** `31622400` → `31622400 seconds (366d)`: the range in a message, in both forms. */
function describeSeconds(seconds: number): string {
  const days = seconds / 86400;
  return Number.isInteger(days) ? `${seconds} seconds (${days}d)` : `${seconds} seconds`;
}

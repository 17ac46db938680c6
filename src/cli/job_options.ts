/**
 * `queuectl enqueue [options] -- <command…>`: the options that fill a job's fields, turned into
 * the same JSON object a user could have written, then validated by `parseJobInput` like any job.
 * @module
 */

import { ValidationError } from "../errors.ts";
import { resolve } from "../platform/paths.ts";
import { parseDuration } from "../queue/duration.ts";
import { type JobInput, parseJobInput } from "../queue/job_input.ts";
import { type OptionSpec, type OptionValues, secondsOption, usageError } from "./command.ts";

const ENQUEUE = { name: ["enqueue"] };

/** One option of the plain form and the job field it fills. */
interface JobOption {
  /** The field of the JSON job. */
  field: string;
  spec: OptionSpec;
  /** The option's text as the field's JSON value; ranges are `parseJobInput`'s to check. */
  toField(value: string | string[], cwd: string, now: Date): unknown;
}

/** The value of a single-valued option (the parser gives `multiple` ones as arrays). */
const asText = (value: string | string[]): string =>
  Array.isArray(value) ? value[value.length - 1]! : value;
/** The values of a repeatable option. */
const asList = (value: string | string[]): string[] => Array.isArray(value) ? value : [value];

/** The options, by long name, in the order help lists them. */
const JOB_OPTIONS: Record<string, JobOption> = {
  id: {
    field: "id",
    spec: { type: "string", value: "ID", help: "the job's id (default: a new ULID)" },
    toField: asText,
  },
  queue: {
    field: "queue",
    spec: { type: "string", value: "Q", help: "the job's queue (default: default)" },
    toField: asText,
  },
  priority: {
    field: "priority",
    spec: { type: "string", value: "N", help: "higher runs first (default 0; may be negative)" },
    toField: (value) => integer("priority", asText(value)),
  },
  after: {
    field: "depends_on",
    spec: {
      type: "string",
      multiple: true,
      value: "ID",
      help: "run once job ID has completed; repeatable",
    },
    toField: asList,
  },
  delay: {
    field: "run_at",
    spec: { type: "string", value: "DUR", help: "run no earlier than DUR from now (90s, 10m, 2h)" },
    toField: (value, _cwd, now) =>
      new Date(now.getTime() + seconds("delay", asText(value)) * 1000).toISOString(),
  },
  "run-at": {
    field: "run_at",
    spec: {
      type: "string",
      value: "TIME",
      help: "run no earlier than TIME: 2030-01-01T03:00:00Z, local time without a zone",
    },
    toField: asText,
  },
  timeout: {
    field: "timeout",
    spec: {
      type: "string",
      value: "DUR",
      help: "kill the job after DUR; 0 = none (default: config job_timeout)",
    },
    toField: (value) => seconds("timeout", asText(value)),
  },
  "max-retries": {
    field: "max_retries",
    spec: { type: "string", value: "N", help: "retries after a failed run (default: config)" },
    toField: (value) => integer("max-retries", asText(value)),
  },
  "unique-key": {
    field: "unique_key",
    spec: { type: "string", value: "K", help: "add nothing while a job with key K is unfinished" },
    toField: asText,
  },
  env: {
    field: "env",
    spec: {
      type: "string",
      multiple: true,
      value: "K=V",
      help: "set variable K for the job; repeatable",
    },
    toField: (values) => Object.fromEntries(asList(values).map(envEntry)),
  },
  cwd: {
    field: "cwd",
    spec: { type: "string", value: "DIR", help: "run in DIR, relative to here (default: here)" },
    toField: (value, cwd) => resolve(cwd, asText(value)),
  },
};

/** The specs of the plain form's options, for the command's option list and help. */
export const JOB_OPTION_SPECS: Record<string, OptionSpec> = Object.fromEntries(
  Object.entries(JOB_OPTIONS).map(([name, { spec }]) => [name, spec]),
);

/**
 * The job-field options that were given, e.g. to refuse them next to JSON.
 * @param options Parsed options.
 * @returns Their long names.
 */
export function givenJobOptions(options: OptionValues): string[] {
  return Object.keys(JOB_OPTIONS).filter((name) => options[name] !== undefined);
}

/**
 * The JSON field an option of the plain form fills.
 * @param name The option's long name, e.g. `max-retries`.
 * @returns The field, e.g. `max_retries`.
 */
export function jobOptionField(name: string): string | undefined {
  return JOB_OPTIONS[name]?.field;
}

/**
 * Builds a job from the words after `--` and the plain form's options, validated as JSON input
 * is; errors name the option the user typed, not the field.
 * @param words The command's words, joined with single spaces (the user's shell has already
 * done the quoting and expansion).
 * @param options Parsed options.
 * @param cwd The directory relative paths start from.
 * @param now The time `--delay` counts from.
 * @returns The validated input.
 * @throws {ValidationError} naming the option.
 * @example
 * ```ts
 * jobFromOptions(["make", "-C", "/src", "test"], { priority: "5" }, "/home/ada", new Date());
 * // { command: "make -C /src test", priority: 5 }
 * ```
 */
export function jobFromOptions(
  words: string[],
  options: OptionValues,
  cwd: string,
  now: Date,
): JobInput {
  if (options.delay !== undefined && options["run-at"] !== undefined) {
    throw usageError(ENQUEUE, "Options --delay and --run-at do not go together: give one");
  }
  const fields: Record<string, unknown> = { command: words.join(" ") };
  const given = new Map<string, string>();
  for (const name of givenJobOptions(options)) {
    const { field, toField } = JOB_OPTIONS[name]!;
    const value = options[name];
    if (typeof value === "boolean" || value === undefined) continue; // not a string option
    fields[field] = toField(value, cwd, now);
    given.set(field, name);
  }
  try {
    return parseJobInput(fields);
  } catch (error) {
    if (error instanceof ValidationError) throw inOptionTerms(error, given);
    throw error;
  }
}

/**
 * `Field "max_retries" must be…` → `Option --max-retries must be…`, `Field "env.A"` →
 * `Option --env A`, `Field "command"` → `The command after "--"`.
 * @param error A job input error.
 * @param given The option that filled each field.
 * @returns The same error in the words the user typed.
 */
export function inOptionTerms(error: ValidationError, given: Map<string, string>): ValidationError {
  const message = error.message.replace(
    /^Field "([a-z_]+)(?:\.([^"]*))?"/,
    (whole, field: string, sub: string | undefined) => {
      if (field === "command") return 'The command after "--"';
      const option = given.get(field);
      if (option === undefined) return whole;
      return sub === undefined ? `Option --${option}` : `Option --${option} ${sub}`;
    },
  );
  return message === error.message ? error : new ValidationError(message);
}

function integer(name: string, value: string): number {
  if (!/^[+-]?\d+$/.test(value)) {
    throw new ValidationError(`Option --${name} must be an integer, got ${shown(value)}`);
  }
  return Number(value);
}

function seconds(name: string, value: string): number {
  return secondsOption({ [name]: value }, name, parseDuration)!;
}

function envEntry(text: string): [string, string] {
  const eq = text.indexOf("=");
  if (eq <= 0) {
    throw new ValidationError(`Option --env must be NAME=value, got ${shown(text)}`);
  }
  return [text.slice(0, eq), text.slice(eq + 1)];
}

/**
 * A value typed by the user, quoted and cut to fit a one-line message.
 * @param text The value.
 * @returns e.g. `"echo hi"`, or its first 56 characters and `...`.
 */
export function shown(text: string): string {
  const quoted = JSON.stringify(text);
  return quoted.length > 60 ? `${quoted.slice(0, 57)}...` : quoted;
}

/**
 * Validation of job input as `queuectl enqueue` accepts it: a JSON object with known fields of
 * the right types. Pure: checks that need the file system (does `cwd` exist?) live in the caller.
 * @module
 */

import { ValidationError } from "../errors.ts";
import { MAX_DURATION_SECONDS } from "./duration.ts";

/** A job as submitted, validated; missing fields get defaults at enqueue time. */
export interface JobInput {
  id?: string;
  command: string;
  max_retries?: number;
  priority?: number;
  /** Normalised to an ISO 8601 UTC string. */
  run_at?: string;
  /** Seconds; `null` when the job asked for none (`"timeout": 0`). */
  timeout?: number | null;
  cwd?: string;
  env?: Record<string, string>;
  /** The named queue (default `default`). */
  queue?: string;
  /** Ids of jobs that must complete first; each exists or comes earlier in the same batch. */
  depends_on?: string[];
  /** While an unfinished job has this key, enqueueing another adds nothing. */
  unique_key?: string;
}

/** Most dependencies one job may have. */
export const MAX_DEPENDENCIES = 100;
/** Longest unique key, in characters. */
export const MAX_UNIQUE_KEY_LENGTH = 256;

/**
 * Longest accepted command, in UTF-8 bytes. Linux takes at most 128 KiB (MAX_ARG_STRLEN) in one
 * argument string, and the command is one `sh -c` argument after the worker's short prefix line:
 * 1 KiB is left for that line.
 */
export const MAX_COMMAND_BYTES = 127 * 1024;
/** Longest `NAME=value` string of a job's env, in UTF-8 bytes (the same per-string limit). */
export const MAX_ENV_ENTRY_BYTES = 127 * 1024;
/**
 * Most UTF-8 bytes a job's `NAME=value` strings and its command may take together (each with its
 * NUL). Linux refuses to start a process whose arguments and environment pass ARG_MAX (2 MiB):
 * this leaves half of it to the worker's own environment and the `QUEUECTL_*` variables.
 */
export const MAX_EXEC_BYTES = 1024 * 1024;
/** Most environment variables a job may carry. */
export const MAX_ENV_ENTRIES = 256;
/** Longest accepted `cwd`, in UTF-8 bytes (PATH_MAX is 4096 with the NUL). */
export const MAX_CWD_BYTES = 4095;

const FIELDS = [
  "id",
  "command",
  "max_retries",
  "priority",
  "run_at",
  "timeout",
  "cwd",
  "env",
  "depends_on",
  "unique_key",
  "queue",
];
const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Date, time, optional seconds and fraction, optional zone (`Z` or `±hh:mm`). */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):?(\d{2}))?$/i;
const MAX_PRIORITY = 2 ** 31 - 1;

/**
 * Whether `id` is a valid job id: 1–128 of `[A-Za-z0-9._:-]`, not `.` or `..` (an id names a
 * folder under `logs/`).
 * @param id The candidate.
 * @returns `true` if valid.
 */
export function isValidJobId(id: string): boolean {
  return ID_PATTERN.test(id) && id !== "." && id !== "..";
}

/**
 * Validates one job object.
 * @param value The parsed JSON value.
 * @returns The validated input.
 * @throws {ValidationError} naming the first bad field.
 * @example
 * ```ts
 * parseJobInput({ command: "echo hi", priority: 5 });
 * ```
 */
export function parseJobInput(value: unknown): JobInput {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ValidationError("A job must be a JSON object");
  }
  const raw = value as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!FIELDS.includes(key)) {
      throw new ValidationError(`Unknown field "${key}"; known fields: ${FIELDS.join(", ")}`);
    }
  }
  const input: JobInput = { command: parseCommand(raw.command) };
  if (raw.id !== undefined) input.id = parseId(raw.id);
  if (raw.max_retries !== undefined) {
    input.max_retries = parseInteger("max_retries", raw.max_retries, 0, 1000);
  }
  if (raw.priority !== undefined) {
    input.priority = parseInteger("priority", raw.priority, -MAX_PRIORITY, MAX_PRIORITY);
  }
  if (raw.run_at !== undefined) input.run_at = parseRunAt(raw.run_at);
  if (raw.timeout !== undefined) input.timeout = parseTimeout(raw.timeout);
  if (raw.cwd !== undefined) input.cwd = parseCwd(raw.cwd);
  if (raw.env !== undefined) input.env = parseEnv(raw.env);
  if (raw.depends_on !== undefined) input.depends_on = parseDependsOn(raw.depends_on);
  if (raw.unique_key !== undefined) input.unique_key = parseUniqueKey(raw.unique_key);
  if (raw.queue !== undefined) input.queue = parseQueueName(raw.queue, "queue");
  checkExecSize(input.command, input.env);
  return input;
}

/**
 * Parses a job given as JSON text.
 * @param text The JSON text of one job.
 * @returns The validated input.
 * @throws {ValidationError} for malformed JSON or a bad field.
 */
export function parseJobJson(text: string): JobInput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : String(error);
    throw new ValidationError(`Malformed JSON: ${reason}`);
  }
  return parseJobInput(value);
}

function fieldError(field: string, problem: string, value: unknown): ValidationError {
  let shown = JSON.stringify(value) ?? String(value);
  if (shown.length > 60) shown = `${shown.slice(0, 57)}...`;
  return new ValidationError(`Field "${field}" ${problem}, got ${shown}`);
}

function parseCommand(value: unknown): string {
  if (value === undefined) throw new ValidationError('Field "command" is required');
  if (typeof value !== "string") throw fieldError("command", "must be a string", value);
  if (value.trim().length === 0) throw fieldError("command", "must not be empty", value);
  checkText("command", value);
  const bytes = utf8Length(value);
  if (bytes > MAX_COMMAND_BYTES) {
    throw new ValidationError(
      `Field "command" is too long: ${bytes} bytes in UTF-8, at most ${MAX_COMMAND_BYTES}`,
    );
  }
  return value;
}

/** Text that cannot reach a process (NUL) or a JSON reader (a lone surrogate) is refused. */
function checkText(field: string, value: string): void {
  if (value.includes("\0")) throw fieldError(field, "must not contain NUL", value);
  if (!value.isWellFormed()) {
    throw fieldError(field, "must be valid Unicode (it has a lone surrogate)", value);
  }
}

/** Bytes of `text` in UTF-8; `text` is well-formed (a surrogate pair counts 4). */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0x80) bytes += unit >= 0x800 && (unit < 0xd800 || unit > 0xdfff) ? 2 : 1;
  }
  return bytes;
}

function parseId(value: unknown): string {
  if (typeof value !== "string" || !isValidJobId(value)) {
    throw fieldError("id", 'must be 1-128 of A-Z a-z 0-9 . _ : - (not "." or "..")', value);
  }
  return value;
}

/**
 * Whether `name` is a valid queue name: 1–64 of `[A-Za-z0-9._-]`.
 * @param name The candidate.
 * @returns `true` if valid.
 */
export function isValidQueueName(name: string): boolean {
  return /^[A-Za-z0-9._-]{1,64}$/.test(name);
}

/**
 * Checks a queue name.
 * @param value The value given.
 * @param field What to call it in the error (`queue`).
 * @returns The name.
 * @throws {ValidationError} for anything else than 1–64 of `[A-Za-z0-9._-]`.
 */
export function parseQueueName(value: unknown, field: string): string {
  if (typeof value !== "string" || !isValidQueueName(value)) {
    throw fieldError(field, "must be 1-64 of A-Z a-z 0-9 . _ -", value);
  }
  return value;
}

function parseDependsOn(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_DEPENDENCIES) {
    throw fieldError("depends_on", `must be an array of 1 to ${MAX_DEPENDENCIES} job ids`, value);
  }
  for (const id of value) {
    if (typeof id !== "string" || !isValidJobId(id)) {
      throw fieldError("depends_on", "must hold job ids (1-128 of A-Z a-z 0-9 . _ : -)", id);
    }
  }
  return [...new Set(value as string[])];
}

function parseUniqueKey(value: unknown): string {
  if (
    typeof value !== "string" || value.length === 0 || value.length > MAX_UNIQUE_KEY_LENGTH
  ) {
    throw fieldError(
      "unique_key",
      `must be a string of 1 to ${MAX_UNIQUE_KEY_LENGTH} characters`,
      value,
    );
  }
  if (value.includes("\0") || !value.isWellFormed()) {
    throw fieldError("unique_key", "must be valid text without NUL", value);
  }
  return value;
}

function parseInteger(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw fieldError(field, "must be an integer", value);
  }
  if (value < min || value > max) throw fieldError(field, `must be from ${min} to ${max}`, value);
  return value;
}

function parseRunAt(value: unknown): string {
  const match = typeof value === "string" ? ISO_DATE_TIME.exec(value) : null;
  if (!match) {
    throw fieldError(
      "run_at",
      "must be an ISO 8601 date-time like 2026-05-01T12:00:00Z (without a zone: local time)",
      value,
    );
  }
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) =>
    Number(match[i] ?? 0)
  ) as [number, number, number, number, number, number];
  const ms = Number((match[7] ?? "").padEnd(3, "0").slice(0, 3));
  const offsetHours = Number(match[10] ?? 0);
  const offsetMinutes = Number(match[11] ?? 0);
  // Date.parse would move 2026-02-30 to March 2: every field must be a real one.
  if (
    month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 ||
    minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59
  ) {
    throw fieldError("run_at", "is not a valid date-time", value);
  }
  const date = new Date(0);
  if (match[8] === undefined) {
    // Local time, as the enqueuer's clock shows it (a time skipped by DST moves forward).
    date.setFullYear(year, month - 1, day);
    date.setHours(hour, minute, second, ms);
  } else {
    date.setUTCFullYear(year, month - 1, day);
    date.setUTCHours(hour, minute, second, ms);
    const sign = match[9] === "-" ? -1 : 1;
    date.setTime(date.getTime() - sign * (offsetHours * 60 + offsetMinutes) * 60_000);
  }
  if (Number.isNaN(date.getTime())) throw fieldError("run_at", "is not a valid date-time", value);
  return date.toISOString();
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function parseTimeout(value: unknown): number | null {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw fieldError("timeout", "must be a number of seconds, 0 (none) or more", value);
  }
  if (value > MAX_DURATION_SECONDS) {
    throw fieldError(
      "timeout",
      `must be at most ${MAX_DURATION_SECONDS} seconds (366 days; 0 = none)`,
      value,
    );
  }
  return value === 0 ? null : value;
}

function parseCwd(value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/")) {
    throw fieldError("cwd", "must be an absolute directory path", value);
  }
  checkText("cwd", value);
  const bytes = utf8Length(value);
  if (bytes > MAX_CWD_BYTES) {
    throw fieldError(
      "cwd",
      `is too long: ${bytes} bytes in UTF-8, at most ${MAX_CWD_BYTES}`,
      value,
    );
  }
  return value;
}

function parseEnv(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw fieldError("env", "must be an object of string values", value);
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_ENV_ENTRIES) {
    throw fieldError("env", `must have at most ${MAX_ENV_ENTRIES} entries`, entries.length);
  }
  const env: Record<string, string> = {};
  for (const [name, v] of entries) {
    if (!ENV_NAME_PATTERN.test(name)) throw fieldError("env", "has an invalid variable name", name);
    if (typeof v !== "string") throw fieldError(`env.${name}`, "must be a string", v);
    checkText(`env.${name}`, v);
    const bytes = envEntryBytes(name, v);
    if (bytes > MAX_ENV_ENTRY_BYTES) {
      throw new ValidationError(
        `Field "env.${name}" is too long: ${name}=value is ${bytes} bytes in UTF-8, ` +
          `at most ${MAX_ENV_ENTRY_BYTES}`,
      );
    }
    env[name] = v;
  }
  return env;
}

/** Bytes of `NAME=value` (the name is ASCII). */
function envEntryBytes(name: string, value: string): number {
  return name.length + 1 + utf8Length(value);
}

/** The command and the env must fit in one exec, with room for the worker's environment. */
function checkExecSize(command: string, env: Record<string, string> | undefined): void {
  if (env === undefined) return;
  let bytes = utf8Length(command) + 1;
  for (const [name, value] of Object.entries(env)) bytes += envEntryBytes(name, value) + 1;
  if (bytes > MAX_EXEC_BYTES) {
    throw new ValidationError(
      `Field "env" is too large: its NAME=value strings and the command take ${bytes} bytes ` +
        `in UTF-8, at most ${MAX_EXEC_BYTES}`,
    );
  }
}

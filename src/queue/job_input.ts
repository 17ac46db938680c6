/**
 * Validation of job input as `queuectl enqueue` accepts it: a JSON object with known fields of
 * the right types. Pure: checks that need the file system (does `cwd` exist?) live in the caller.
 * @module
 */

import { ValidationError } from "../errors.ts";

/** A job as submitted, validated; missing fields get defaults at enqueue time. */
export interface JobInput {
  id?: string;
  command: string;
  max_retries?: number;
  priority?: number;
  /** Normalised to an ISO 8601 UTC string. */
  run_at?: string;
  timeout?: number;
  cwd?: string;
  env?: Record<string, string>;
}

/** Longest accepted command, in characters. */
export const MAX_COMMAND_LENGTH = 128 * 1024;
/** Most environment variables a job may carry. */
export const MAX_ENV_ENTRIES = 256;
/** Longest accepted environment value, in characters. */
export const MAX_ENV_VALUE_LENGTH = 32 * 1024;
/** Longest accepted `cwd`, in characters. */
export const MAX_CWD_LENGTH = 4096;

const FIELDS = ["id", "command", "max_retries", "priority", "run_at", "timeout", "cwd", "env"];
const ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;
const MAX_PRIORITY = 2 ** 31 - 1;
const MAX_TIMEOUT_SECONDS = 366 * 86400;

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
  if (value.length > MAX_COMMAND_LENGTH) {
    throw new ValidationError(
      `Field "command" is too long: ${value.length} characters, at most ${MAX_COMMAND_LENGTH}`,
    );
  }
  if (value.includes("\0")) throw fieldError("command", "must not contain NUL", value);
  return value;
}

function parseId(value: unknown): string {
  if (typeof value !== "string" || !isValidJobId(value)) {
    throw fieldError("id", 'must be 1-128 of A-Z a-z 0-9 . _ : - (not "." or "..")', value);
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
  if (typeof value !== "string" || !ISO_WITH_ZONE.test(value)) {
    throw fieldError("run_at", "must be an ISO 8601 date-time with a zone", value);
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw fieldError("run_at", "is not a valid date-time", value);
  return new Date(ms).toISOString();
}

function parseTimeout(value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw fieldError("timeout", "must be a number of seconds greater than 0", value);
  }
  if (value > MAX_TIMEOUT_SECONDS) {
    throw fieldError("timeout", `must be at most ${MAX_TIMEOUT_SECONDS} seconds`, value);
  }
  return value;
}

function parseCwd(value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/")) {
    throw fieldError("cwd", "must be an absolute directory path", value);
  }
  if (value.length > MAX_CWD_LENGTH || value.includes("\0")) {
    throw fieldError("cwd", "is not a usable path", value);
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
    if (v.includes("\0") || v.length > MAX_ENV_VALUE_LENGTH) {
      throw fieldError(`env.${name}`, "is not a usable value", v);
    }
    env[name] = v;
  }
  return env;
}

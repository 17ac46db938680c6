/**
 * Queue settings: their names, defaults and validation. Values live in the journal as `config`
 * records, so every process sees the same settings.
 * @module
 */

import { ValidationError } from "../errors.ts";
import { MAX_DURATION_SECONDS, parseDuration } from "./duration.ts";

/** The longest `retention`: 100 years, in seconds (far beyond any queue; a date still fits). */
const MAX_RETENTION_SECONDS = 36500 * 86400;

/** The settings and their types. Durations are in seconds. */
export interface Config {
  max_retries: number;
  backoff_base: number;
  backoff_max: number;
  poll_interval: number;
  job_timeout: number;
  stall_timeout: number;
  fsync: "always" | "batch" | "none";
  retention: number;
  compact_threshold: number;
}

/** A setting's name. */
export type ConfigKey = keyof Config;

/** Defaults, used until `config set` records another value. */
export const DEFAULT_CONFIG: Readonly<Config> = Object.freeze({
  max_retries: 3,
  backoff_base: 2,
  backoff_max: 3600,
  poll_interval: 0.5,
  job_timeout: 120,
  stall_timeout: 30,
  fsync: "always",
  retention: 7 * 24 * 3600,
  compact_threshold: 1 << 20,
});

/** A numeric setting's kind and the values it takes. */
export interface ConfigRange {
  /** `integer` and `number` are typed as numbers; `duration` as `30`, `250ms`, `2m`, `7d`. */
  kind: "integer" | "number" | "duration";
  min: number;
  max: number;
  /** The range in words, for messages and help. */
  text: string;
}

/**
 * What each numeric setting accepts. The bounds keep every value usable where it lands: a timer
 * (at most 2^31-1 ms), a date (`Date.now()` plus the value), a worker's heartbeat (every second at
 * most, so `stall_timeout` of 3 s leaves two missed beats before a worker is presumed dead).
 */
export const CONFIG_RANGES: Readonly<Record<Exclude<ConfigKey, "fsync">, ConfigRange>> = Object
  .freeze({
    max_retries: { kind: "integer", min: 0, max: 1000, text: "an integer from 0 to 1000" },
    backoff_base: { kind: "number", min: 1, max: 1000, text: "a number from 1 to 1000" },
    backoff_max: {
      kind: "duration",
      min: 0,
      max: MAX_DURATION_SECONDS,
      text: `a duration from 0 to 366d (${MAX_DURATION_SECONDS} seconds)`,
    },
    poll_interval: {
      kind: "duration",
      min: 0.05,
      max: 3600,
      text: "a duration from 50ms to 1h (0.05 to 3600 seconds)",
    },
    job_timeout: {
      kind: "duration",
      min: 0,
      max: MAX_DURATION_SECONDS,
      text: `a duration from 0 (none) to 366d (${MAX_DURATION_SECONDS} seconds)`,
    },
    stall_timeout: {
      kind: "duration",
      min: 3,
      max: 86400,
      text: "a duration from 3s to 1d (3 to 86400 seconds)",
    },
    retention: {
      kind: "duration",
      min: 0,
      max: MAX_RETENTION_SECONDS,
      text: `a duration from 0 to 36500d, 100 years (${MAX_RETENTION_SECONDS} seconds)`,
    },
    compact_threshold: {
      kind: "integer",
      min: 1024,
      max: 2 ** 40,
      text: `an integer number of bytes from 1024 to ${2 ** 40} (1 TiB)`,
    },
  });

/** What each setting means, for `config get` and the README. */
export const CONFIG_HELP: Readonly<Record<ConfigKey, string>> = Object.freeze({
  max_retries: "retries after the first run before a job goes to the dead letter queue (0-1000)",
  backoff_base: "a job that failed n times waits backoff_base^n seconds (1-1000)",
  backoff_max: "longest wait between retries, in seconds or a duration like 1h (0-366d)",
  poll_interval:
    "how often an idle worker that cannot watch the queue looks for work, in seconds (50ms-1h)",
  job_timeout: "default job timeout in seconds; 0 = none (at most 366d)",
  stall_timeout: "a worker silent this long is presumed dead and its jobs recovered (3s-1d)",
  fsync: "always (every acknowledged change is on disk), batch (workers sync every 50 ms), none",
  retention: "how long completed jobs are kept before compaction drops them (0-36500d)",
  compact_threshold:
    "compact when the journal exceeds this many bytes and twice its last snapshot (1024-1 TiB)",
});

/** Every setting's name, in display order. */
export const CONFIG_KEYS = Object.keys(DEFAULT_CONFIG) as ConfigKey[];

/**
 * Resolves a user-typed key, accepting `-` for `_`.
 * @param raw What the user typed, e.g. `max-retries`.
 * @returns The canonical key.
 * @throws {ValidationError} for an unknown key.
 */
export function parseConfigKey(raw: string): ConfigKey {
  const key = raw.replaceAll("-", "_");
  if (!(CONFIG_KEYS as string[]).includes(key)) {
    throw new ValidationError(
      `Unknown config key "${raw}"; known keys: ${CONFIG_KEYS.join(", ")}`,
    );
  }
  return key as ConfigKey;
}

/**
 * Parses and validates a setting's value as typed on the command line.
 * @param key The setting.
 * @param raw The text the user typed.
 * @returns The value to store; it reads back unchanged.
 * @throws {ValidationError} naming the key and what it accepts (its range).
 * @example
 * ```ts
 * parseConfigValue("backoff_max", "2h"); // 7200
 * ```
 */
export function parseConfigValue(key: ConfigKey, raw: string): Config[ConfigKey] {
  const text = raw.trim();
  if (key === "fsync") {
    if (isFsyncMode(text)) return text;
    throw new ValidationError(
      `Config "fsync" must be one of "always", "batch", "none", got "${raw}"`,
    );
  }
  const range = CONFIG_RANGES[key];
  const n = parseNumber(range, text);
  if (n === undefined || !inRange(range, n)) {
    throw new ValidationError(`Config "${key}" must be ${range.text}, got "${raw}"`);
  }
  return n;
}

/**
 * Reads back a value from the journal. One out of range (written by an older version, which took
 * any size) is clamped into range; one that is not a number at all gets the default. Either way
 * the result is safe for a worker to use.
 * @param key The setting.
 * @param value The stored value.
 * @returns A valid value for `key`.
 */
export function sanitizeStoredValue(key: ConfigKey, value: unknown): Config[ConfigKey] {
  if (key === "fsync") return isFsyncMode(value) ? value : DEFAULT_CONFIG.fsync;
  const range = CONFIG_RANGES[key];
  let n = typeof value === "number"
    ? value
    : typeof value === "string"
    ? parseNumber(range, value.trim())
    : undefined;
  if (n === undefined || Number.isNaN(n)) return DEFAULT_CONFIG[key];
  if (range.kind === "integer") n = Math.trunc(n);
  return Math.min(Math.max(n, range.min), range.max);
}

function isFsyncMode(value: unknown): value is Config["fsync"] {
  return value === "always" || value === "batch" || value === "none";
}

function parseNumber(range: ConfigRange, text: string): number | undefined {
  return range.kind === "duration" ? parseDuration(text) : strictNumber(text);
}

function inRange(range: ConfigRange, n: number): boolean {
  if (range.kind === "integer" && !Number.isSafeInteger(n)) return false;
  return n >= range.min && n <= range.max;
}

function strictNumber(text: string): number | undefined {
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Queue settings: their names, defaults and validation. Values live in the journal as `config`
 * records, so every process sees the same settings.
 * @module
 */

import { ValidationError } from "../errors.ts";
import { parseDuration } from "./duration.ts";

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

/** What each setting means, for `config get` and the README. */
export const CONFIG_HELP: Readonly<Record<ConfigKey, string>> = Object.freeze({
  max_retries: "retries after the first run before a job goes to the dead letter queue",
  backoff_base: "a job that failed n times waits backoff_base^n seconds",
  backoff_max: "longest wait between retries, in seconds (or a duration like 1h)",
  poll_interval: "how often an idle worker looks for due jobs, in seconds",
  job_timeout: "default job timeout in seconds; 0 = none",
  stall_timeout: "a worker silent this long is presumed dead and its jobs recovered, in seconds",
  fsync: "always (every acknowledged change is on disk), batch (workers sync every 50 ms), none",
  retention: "how long completed jobs are kept before compaction drops them (e.g. 7d, 12h, 0)",
  compact_threshold:
    "compact when the journal exceeds this many bytes (and twice its last snapshot)",
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
 * @returns The value to store.
 * @throws {ValidationError} naming the key and what it accepts.
 */
export function parseConfigValue(key: ConfigKey, raw: string): Config[ConfigKey] {
  const text = raw.trim();
  const bad = (expected: string): never => {
    throw new ValidationError(`Config "${key}" must be ${expected}, got "${raw}"`);
  };
  switch (key) {
    case "fsync":
      if (text === "always" || text === "batch" || text === "none") return text;
      return bad('one of "always", "batch", "none"');
    case "max_retries": {
      const n = strictNumber(text);
      if (n === undefined || !Number.isSafeInteger(n) || n < 0 || n > 1000) {
        return bad("an integer from 0 to 1000");
      }
      return n;
    }
    case "compact_threshold": {
      const n = strictNumber(text);
      if (n === undefined || !Number.isSafeInteger(n) || n < 1024) {
        return bad("an integer number of bytes, at least 1024");
      }
      return n;
    }
    case "backoff_base": {
      const n = strictNumber(text);
      if (n === undefined || n < 1 || n > 1000) return bad("a number from 1 to 1000");
      return n;
    }
    case "poll_interval":
    case "stall_timeout": {
      const n = parseDuration(text);
      if (n === undefined || n <= 0 || n > 86400) {
        return bad("a duration in seconds greater than 0 (e.g. 0.5, 30, 2m)");
      }
      return n;
    }
    case "backoff_max":
    case "job_timeout":
    case "retention": {
      const n = parseDuration(text);
      if (n === undefined || n < 0) {
        return bad("a duration in seconds, 0 or more (e.g. 30, 2m, 7d)");
      }
      return n;
    }
  }
}

/**
 * Checks a value read back from the journal, falling back to the default when it is unusable.
 * @param key The setting.
 * @param value The stored value.
 * @returns A valid value for `key`.
 */
export function sanitizeStoredValue(key: ConfigKey, value: unknown): Config[ConfigKey] {
  try {
    return parseConfigValue(key, String(value));
  } catch {
    return DEFAULT_CONFIG[key];
  }
}

function strictNumber(text: string): number | undefined {
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Where a queue home is: `--home DIR` > `QUEUECTL_HOME` > `$XDG_DATA_HOME/queuectl` >
 * `~/.local/share/queuectl`. Relative paths are taken from the directory the user ran the
 * command in (`INIT_CWD` under `deno task`).
 * @module
 */

import { isAbsolute, join, resolve } from "../platform/paths.ts";
import { ValidationError } from "../errors.ts";

/** The environment variables home resolution reads. */
export interface HomeEnvironment {
  QUEUECTL_HOME?: string | undefined;
  XDG_DATA_HOME?: string | undefined;
  HOME?: string | undefined;
}

/**
 * The directory the user ran the command in: `INIT_CWD` under `deno task`, else the cwd.
 * Requires `--allow-env=INIT_CWD` and `--allow-read`.
 * @returns An absolute path.
 */
export function invocationDirectory(): string {
  const initCwd = Deno.env.get("INIT_CWD");
  return initCwd && isAbsolute(initCwd) ? initCwd : Deno.cwd();
}

/**
 * Resolves the queue home.
 * @param flag The `--home` value, if given.
 * @param env The environment.
 * @param baseDir Directory relative paths are resolved against.
 * @returns The absolute home path.
 * @throws {ValidationError} when no rule gives a home (no HOME at all).
 * @example
 * ```ts
 * resolveHome(undefined, { HOME: "/home/ada" }, "/"); // "/home/ada/.local/share/queuectl"
 * ```
 */
export function resolveHome(
  flag: string | undefined,
  env: HomeEnvironment,
  baseDir: string,
): string {
  if (flag !== undefined) {
    if (flag.length === 0) throw new ValidationError("Option --home needs a directory");
    return resolve(baseDir, flag);
  }
  if (env.QUEUECTL_HOME) return resolve(baseDir, env.QUEUECTL_HOME);
  if (env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME)) {
    return join(env.XDG_DATA_HOME, "queuectl");
  }
  if (env.HOME) return join(env.HOME, ".local", "share", "queuectl");
  throw new ValidationError("Cannot find a queue home: set --home, QUEUECTL_HOME or HOME");
}

/**
 * Reads the variables {@linkcode resolveHome} uses from the process environment.
 * Requires `--allow-env=QUEUECTL_HOME,XDG_DATA_HOME,HOME`.
 * @returns The environment subset.
 */
export function homeEnvironment(): HomeEnvironment {
  return {
    QUEUECTL_HOME: Deno.env.get("QUEUECTL_HOME"),
    XDG_DATA_HOME: Deno.env.get("XDG_DATA_HOME"),
    HOME: Deno.env.get("HOME"),
  };
}

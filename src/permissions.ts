/**
 * The explicit permission flags queuectl runs with, and why. deno.json's tasks carry the same
 * list (a test keeps them in step); workers are spawned with it too.
 * @module
 */

/** Environment variables queuectl reads. */
export const ENV_VARS = [
  "QUEUECTL_HOME", // the queue home
  "XDG_DATA_HOME", // default home: $XDG_DATA_HOME/queuectl
  "HOME", // default home: ~/.local/share/queuectl
  "NO_COLOR", // no colours in tables
  "FORCE_COLOR", // read by node:util styleText
  "INIT_CWD", // the directory `deno task` was started from, for relative paths
  "QUEUECTL_DEBUG", // print stack traces
  "QUEUECTL_LOCK_TIMEOUT", // how long a command waits for the queue lock
  "QUEUECTL_STORE", // a PostgreSQL store instead of the journal
  "QUEUECTL_HOSTNAME", // the host name workers record (containers sharing one; tests)
  "QUEUECTL_STARTER_PID", // set by queuectl on its own run with network permission for the database
  "PGAPPNAME", // read by the PostgreSQL driver on every connection
  "PGTARGETSESSIONATTRS", // read by the PostgreSQL driver on every connection
];

/**
 * The flags, in the order deno.json lists them:
 * - `--allow-read`, `--allow-write`: the queue home can be any directory the user names, and jobs
 *   run in any `cwd`; `/proc` tells whether a worker's pid is still alive.
 * - `--allow-run` (unscoped): jobs run `sh -c`, workers are spawned from `Deno.execPath()`, and
 *   killing a job's process group (`Deno.kill(-pid)`) needs run permission for any process.
 * - `--allow-env=…`: only the variables above.
 * - `--allow-sys=hostname,uid`: workers record their host, so liveness is only judged by pid on
 *   it; the uid tells whether the queue home and its files belong to the user running queuectl.
 */
export const PERMISSION_FLAGS = [
  "--allow-read",
  "--allow-write",
  "--allow-run",
  `--allow-env=${ENV_VARS.join(",")}`,
  "--allow-sys=hostname,uid",
];

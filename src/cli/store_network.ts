/**
 * A command on a PostgreSQL store needs network permission for the database, which queuectl is
 * not given: such a command runs again with it. Loaded only when a store URL is in effect.
 * @module
 */

import { QueueError } from "../errors.ts";
import { isDenoRuntime, selfCommand, storeNetHost } from "../worker/self_command.ts";

/**
 * Makes sure this command can reach the store in `QUEUECTL_STORE`. Without network permission to
 * it, the command is run again with it, and this returns that run's exit code; with it (this is
 * such a run), this process is set to end with the one that started it.
 * @param argv The command line, as given to this process.
 * @returns The exit code of the run started here, or `undefined` to go on in this process.
 */
export async function reachStore(argv: string[]): Promise<number | undefined> {
  if (!hasNetTo(storeNetHost()!)) return await rerunWithNetwork(argv);
  endWithStarter();
  return undefined;
}

/** Whether this process may connect to `host` (`host:port`). */
function hasNetTo(host: string): boolean {
  const [hostname, port] = [
    host.slice(0, host.lastIndexOf(":")),
    host.slice(host.lastIndexOf(":") + 1),
  ];
  return Deno.permissions.querySync({ name: "net", host: `${hostname}:${port}` }).state ===
    "granted";
}

/** Set by {@linkcode rerunWithNetwork} on the run it starts: the pid of the run that started it. */
const STARTER_PID = "QUEUECTL_STARTER_PID";

/**
 * In a run started by {@linkcode rerunWithNetwork}, ends this process as SIGTERM would (a
 * foreground `worker start` drains, a dashboard stops) once the run that started it is gone, even
 * by SIGKILL: nothing else would tell, and workers or a server would run on unattended. Processes
 * this one starts do not inherit the variable.
 */
function endWithStarter(): void {
  let starter: string | undefined;
  try {
    starter = Deno.env.get(STARTER_PID);
    Deno.env.delete(STARTER_PID);
  } catch {
    return;
  }
  if (starter === undefined) return;
  const gone = () => String(Deno.ppid) !== starter;
  const watch = setInterval(() => {
    if (!gone()) return;
    clearInterval(watch);
    Deno.kill(Deno.pid, "SIGTERM");
  }, 200);
  Deno.unrefTimer(watch);
}

/**
 * Runs this command again with network permission for the database only (queuectl is given none
 * otherwise), its output and exit status passed through. The URL is in `QUEUECTL_STORE` by now.
 */
async function rerunWithNetwork(argv: string[]): Promise<number> {
  if (!isDenoRuntime()) {
    throw new QueueError(
      "This compiled queuectl has no network permission, so it cannot use a PostgreSQL store; " +
        "use the installed queuectl (deno task install)",
    );
  }
  const { program, prefix } = selfCommand();
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--") {
      args.push(...argv.slice(i));
      break;
    }
    if (argv[i] === "--store") i++;
    else if (!argv[i]!.startsWith("--store=")) args.push(argv[i]!);
  }
  const child = new Deno.Command(program, {
    args: [...prefix, ...args],
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
    env: { [STARTER_PID]: String(Deno.pid) },
  }).spawn();
  // A terminal's Ctrl-C reaches both; a SIGTERM sent to this process is passed on.
  const forward = () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Gone already.
    }
  };
  const ignore = () => {};
  Deno.addSignalListener("SIGTERM", forward);
  Deno.addSignalListener("SIGINT", ignore);
  try {
    return (await child.status).code;
  } finally {
    Deno.removeSignalListener("SIGTERM", forward);
    Deno.removeSignalListener("SIGINT", ignore);
  }
}

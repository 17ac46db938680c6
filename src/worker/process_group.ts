/**
 * Signals to a job's process group.
 * @module
 */

/**
 * Sends `signal` to the process group led by `pid`; a group already gone is not an error.
 * Requires unscoped `--allow-run` (Deno.kill with a negative pid).
 * @param pid The group leader's pid (the job's `sh`).
 * @param signal The signal.
 * @returns `true` if the group existed and could be signalled.
 */
export function killProcessGroup(pid: number, signal: Deno.Signal): boolean {
  // After every job the group is usually gone already: the error for that should not cost a
  // stack trace each time.
  const traceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    Deno.kill(-pid, signal);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    if (error instanceof Error && /ESRCH|No such process/.test(error.message)) return false;
    // A process of the group that is not ours to signal (a job ran `sudo … &`): nothing more
    // can be done from here, and the job's own end stands.
    if (error instanceof Deno.errors.PermissionDenied) return false;
    if (error instanceof Error && /EPERM|Operation not permitted/.test(error.message)) return false;
    throw error;
  } finally {
    Error.stackTraceLimit = traceLimit;
  }
}

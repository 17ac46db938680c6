/**
 * `queuectl cancel <id>…`: stop jobs for good.
 * @module
 */

import { type CommandSpec, usageError } from "./command.ts";

export const cancelCommand: CommandSpec = {
  name: ["cancel"],
  args: "<id>...",
  summary: "stop jobs for good: waiting ones at once, running ones by killing them",
  details: `Pending, waiting and failed jobs are canceled at once, with every job waiting for them.
A running job's worker kills its process group (SIGTERM, then SIGKILL after the grace period)
within about a second and records the run; the job is not retried. Every id is checked first:
an unknown id exits 3, a job already finished exits 2, and nothing changes.
Examples:
  queuectl cancel build-42
  queuectl cancel $(queuectl list --state pending --json | jq -r '.[].id')`,
  options: {},
  positionals: [0, Infinity],
  async run(context, args) {
    if (args.length === 0) throw usageError(cancelCommand, "Missing argument <id>…");
    const report = await context.withStore((store) => store.cancel(args));
    if (context.json) context.out.json(report);
    else {
      for (const id of report.canceled) context.out.line(`${id} canceled`);
      for (const id of report.stopping) {
        context.out.line(`${id} canceled: its worker is killing it`);
      }
    }
    return 0;
  },
};

/**
 * `queuectl retry <id>… | --all-dead | --all-canceled`: run finished jobs again.
 * @module
 */

import { type CommandSpec, usageError } from "./command.ts";

export const retryCommand: CommandSpec = {
  name: ["retry"],
  args: "<id>... | --all-dead | --all-canceled",
  summary: "run dead, canceled or completed jobs again (attempts reset, history kept)",
  details: `Each job goes back to pending, or to waiting while a job it depends on has not
completed; the jobs its end canceled wait again. Every id is checked first: an unknown id exits
3, a job that is not dead, canceled or completed exits 2, and nothing changes.
Examples:
  queuectl retry build-42
  queuectl retry --all-dead`,
  options: {
    "all-dead": { type: "boolean", help: "every dead job" },
    "all-canceled": { type: "boolean", help: "every canceled job" },
  },
  positionals: [0, Infinity],
  async run(context, args, options) {
    const dead = options["all-dead"] === true;
    const canceled = options["all-canceled"] === true;
    if (args.length === 0 && !dead && !canceled) {
      throw usageError(retryCommand, "Missing argument <id>… (or --all-dead, --all-canceled)");
    }
    if (args.length > 0 && (dead || canceled)) {
      throw usageError(retryCommand, "Give job ids or --all-dead / --all-canceled, not both");
    }
    if (dead && canceled) {
      throw usageError(retryCommand, "Give --all-dead or --all-canceled, not both");
    }
    const report = await context.withStore(async (store) => {
      const target = args.length > 0
        ? { ids: args }
        : { state: dead ? "dead" as const : "canceled" as const };
      const report = await store.retry(target);
      // With --json, the jobs as they are now (a worker may have claimed one already).
      const jobs = context.json
        ? await Promise.all(report.retried.map(({ id }) => store.getJob(id)))
        : [];
      return { ...report, jobs };
    });
    if (context.json) context.out.json(report.jobs);
    else if (report.retried.length === 0 && report.skipped.length === 0) {
      context.out.note("nothing to retry");
    } else {
      for (const job of report.retried) context.out.line(`${job.id} is ${job.state} again`);
    }
    for (const { id, reason } of report.skipped) {
      context.out.note(`left out: job "${id}" ${reason}`);
    }
    return 0;
  },
};

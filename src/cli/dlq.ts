/**
 * `queuectl dlq list` and `queuectl dlq retry <id>…`: the dead letter queue.
 * @module
 */

import { type CommandSpec, usageError } from "./command.ts";
import { printJobs } from "./list.ts";

export const dlqListCommand: CommandSpec = {
  name: ["dlq", "list"],
  summary: "jobs in the dead letter queue",
  details: `Examples:
  queuectl dlq list
  queuectl dlq list --json | jq -r '.[].last_error'`,
  options: {},
  positionals: [0, 0],
  async run(context) {
    printJobs(context, await context.withStore((store) => store.listJobs({ state: "dead" })));
    return 0;
  },
};

export const dlqRetryCommand: CommandSpec = {
  name: ["dlq", "retry"],
  args: "<id>... | --all",
  summary: "move dead jobs back to pending with attempts reset",
  details: `Examples:
  queuectl dlq retry nightly-backup
  queuectl dlq retry --all`,
  options: { all: { type: "boolean", help: "retry every dead job" } },
  positionals: [0, Infinity],
  async run(context, args, options) {
    const all = options.all === true;
    const self = { name: ["dlq", "retry"] };
    if (!all && args.length === 0) throw usageError(self, "Missing argument <id>… (or --all)");
    if (all && args.length > 0) throw usageError(self, "Give job ids or --all, not both");
    const jobs = await context.withStore(async (store) => {
      const ids = all ? (await store.listJobs({ state: "dead" })).map((j) => j.id) : args;
      if (ids.length === 0) return [];
      // One transaction: every id is checked before any job changes.
      const report = await store.retryDead(ids);
      if (!context.json) return report.retried;
      return await Promise.all(report.retried.map(({ id }) => store.getJob(id)));
    });
    if (context.json) context.out.json(all || jobs.length !== 1 ? jobs : jobs[0]);
    else if (jobs.length === 0) context.out.note("the dead letter queue is empty");
    else for (const job of jobs) context.out.line(`${job.id} is ${job.state} again`);
    return 0;
  },
};

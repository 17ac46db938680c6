/**
 * `queuectl queue list | pause <q> | resume <q> | set <q> --concurrency N`: named queues.
 * @module
 */

import { ValidationError } from "../errors.ts";
import { isValidQueueName, type QueueView } from "../queue/mod.ts";
import { type CommandContext, type CommandSpec, integerOption, usageError } from "./command.ts";

/** Most jobs of one queue that may run at once, as a cap. */
export const MAX_CONCURRENCY = 10_000;

/**
 * Reads a comma-separated list of queue names (`--queue a,b`).
 * @param text What the user typed.
 * @returns The names, each checked.
 * @throws {ValidationError} naming the first bad name.
 */
export function queueList(text: string): string[] {
  const names = text.split(",").map((name) => name.trim()).filter((name) => name !== "");
  if (names.length === 0) throw new ValidationError("Option --queue needs at least one queue name");
  for (const name of names) checkName(name);
  return [...new Set(names)];
}

function checkName(name: string): string {
  if (!isValidQueueName(name)) {
    throw new ValidationError(`Queue name "${name}" must be 1-64 of A-Z a-z 0-9 . _ -`);
  }
  return name;
}

function printQueues(context: CommandContext, queues: QueueView[]): void {
  if (context.json) return context.out.json(queues);
  const out = context.out;
  out.table(
    [
      "QUEUE",
      "PENDING",
      "WAITING",
      "RUNNING",
      "FAILED",
      "DEAD",
      "CANCELED",
      "DONE",
      "PAUSED",
      "CONCURRENCY",
    ],
    queues.map((q) => [
      q.name,
      String(q.pending),
      String(q.waiting),
      String(q.processing),
      String(q.failed),
      String(q.dead),
      String(q.canceled),
      String(q.completed),
      q.paused ? out.paint("yellow", "paused") : "-",
      q.concurrency === 0 ? "-" : String(q.concurrency),
    ]),
  );
}

export const queueListCommand: CommandSpec = {
  name: ["queue", "list"],
  summary: "named queues: jobs per state, paused, concurrency cap",
  details: `Examples:
  queuectl queue list
  queuectl queue list --json | jq '.[] | select(.paused)'`,
  options: {},
  positionals: [0, 0],
  async run(context) {
    printQueues(context, await context.withStore((store) => store.listQueues()));
    return 0;
  },
};

function pauseCommand(paused: boolean): CommandSpec {
  const spec: CommandSpec = {
    name: ["queue", paused ? "pause" : "resume"],
    args: "<queue>",
    summary: paused
      ? "stop claiming from a queue (running jobs finish; lasts across restarts)"
      : "claim from a paused queue again",
    details: `Examples:
  queuectl queue ${paused ? "pause" : "resume"} backups`,
    options: {},
    positionals: [1, 1],
    async run(context, args) {
      const name = checkName(args[0]!);
      const queue = await context.withStore((store) => store.setQueue(name, { paused }));
      if (context.json) context.out.json(queue);
      else context.out.line(`queue ${name} ${paused ? "paused" : "resumed"}`);
      return 0;
    },
  };
  return spec;
}

export const queuePauseCommand = pauseCommand(true);
export const queueResumeCommand = pauseCommand(false);

export const queueSetCommand: CommandSpec = {
  name: ["queue", "set"],
  args: "<queue> --concurrency N",
  summary: "cap how many jobs of a queue run at once, across all workers (0 = no cap)",
  details: `The cap is checked when a job is claimed, under the queue's lock: never more than N run.
Examples:
  queuectl queue set backups --concurrency 1
  queuectl queue set convert --concurrency 0`,
  options: {
    concurrency: { type: "string", short: "c", value: "N", help: "most jobs running at once" },
  },
  positionals: [1, 1],
  async run(context, args, options) {
    const name = checkName(args[0]!);
    const concurrency = integerOption(options, "concurrency", 0);
    if (concurrency === undefined) {
      throw usageError(queueSetCommand, "Missing option --concurrency N");
    }
    if (concurrency > MAX_CONCURRENCY) {
      throw new ValidationError(`Option --concurrency must be at most ${MAX_CONCURRENCY}`);
    }
    const queue = await context.withStore((store) => store.setQueue(name, { concurrency }));
    if (context.json) context.out.json(queue);
    else {
      context.out.line(
        `queue ${name}: ${
          concurrency === 0 ? "no concurrency cap" : `at most ${concurrency} running`
        }`,
      );
    }
    return 0;
  },
};

/**
 * What an enqueue writes, decided on the fresh state under the lock: ids checked, dependencies
 * checked (each exists or comes earlier in the batch, none is the job itself, dead or canceled), a
 * job with an unfinished dependency starting `waiting`, and a job whose unique key is held by an
 * unfinished job added not at all (that job's id is the answer). Pure.
 * @module
 */

import { ValidationError } from "../errors.ts";
import type { JobInput } from "./job_input.ts";
import { type EnqueueFields, type EnqueueRecord, enqueueRecord } from "./records.ts";
import { DEFAULT_QUEUE } from "./job.ts";
import type { QueueState } from "./state.ts";
import type { EnqueueContext } from "./store.ts";

/** One input's fate: its job's id, and whether it was a duplicate of an unfinished job. */
export interface EnqueueOutcome {
  id: string;
  duplicate: boolean;
}

/**
 * The `enqueue` record's fields for a validated input: only what the job gave, plus id and time.
 * @param input The job as submitted.
 * @param id Its id.
 * @param at The enqueue time (ISO 8601).
 * @param context The enqueuer's defaults.
 * @returns The fields.
 */
export function enqueueFields(
  input: JobInput,
  id: string,
  at: string,
  context: EnqueueContext,
): EnqueueFields {
  return {
    ...(input.queue === undefined || input.queue === DEFAULT_QUEUE ? {} : { queue: input.queue }),
    id,
    command: input.command,
    ...(input.max_retries === undefined ? {} : { max_retries: input.max_retries }),
    priority: input.priority ?? 0,
    run_at: input.run_at ?? at,
    ...(input.timeout === undefined ? {} : { timeout: input.timeout }),
    cwd: input.cwd ?? context.cwd,
    ...(input.env ? { env: input.env } : {}),
    ...(input.depends_on ? { depends_on: input.depends_on } : {}),
    ...(input.unique_key === undefined ? {} : { unique_key: input.unique_key }),
  };
}

/**
 * Decides the records of an enqueue, all or none.
 * @param state The fresh state.
 * @param inputs The validated jobs, in order.
 * @param context The enqueuer's defaults.
 * @param at The enqueue time.
 * @param newId Makes an id for a job that gave none.
 * @returns The records to write and each input's outcome.
 * @throws {ValidationError} naming the job and the problem; nothing is written then.
 */
export function planEnqueue(
  state: QueueState,
  inputs: JobInput[],
  context: EnqueueContext,
  at: string,
  newId: () => string,
): { records: EnqueueRecord[]; outcomes: EnqueueOutcome[] } {
  const ids = inputs.map((input) => input.id ?? newId());
  const position = new Map<string, number>();
  ids.forEach((id, index) => position.has(id) || position.set(id, index));
  // One job: `Field "…": …`; in a batch: `Job 3: field "…": …`.
  const refuse = (index: number, problem: string) =>
    new ValidationError(
      inputs.length > 1
        ? `Job ${index + 1}: ${problem}`
        : problem[0]!.toUpperCase() + problem.slice(1),
    );
  const records: EnqueueRecord[] = [];
  const outcomes: EnqueueOutcome[] = [];
  const added = new Set<string>();
  const batchKeys = new Map<string, string>();
  /** Ids of batch jobs not added (their unique key was held) → the job holding the key. */
  const aliases = new Map<string, string>();
  for (const [index, input] of inputs.entries()) {
    const id = ids[index]!;
    const key = input.unique_key;
    if (key !== undefined) {
      // First wins: an unfinished job with this key, or an earlier one of this batch.
      const holder = state.uniqueKeys.get(key) ?? batchKeys.get(key);
      if (holder !== undefined) {
        outcomes.push({ id: holder, duplicate: true });
        // A later job of the batch that depends on this one depends on the job that holds the key.
        aliases.set(id, holder);
        continue;
      }
    }
    if (state.jobs.has(id) || added.has(id)) {
      throw refuse(index, `a job with id "${id}" already exists`);
    }
    let waiting = false;
    const dependsOn: string[] = [];
    for (const named of input.depends_on ?? []) {
      const problem = dependencyProblem(state, inputs, ids, position, index, named);
      if (problem !== undefined) {
        throw refuse(index, `field "depends_on": ${problem}`);
      }
      const dependency = aliases.get(named) ?? named;
      if (dependency === id) {
        throw refuse(index, `field "depends_on": job "${id}" cannot depend on itself`);
      }
      if (!dependsOn.includes(dependency)) dependsOn.push(dependency);
      if (added.has(dependency) || state.jobs.get(dependency)?.state !== "completed") {
        waiting = true;
      }
    }
    added.add(id);
    if (key !== undefined) batchKeys.set(key, id);
    const job = dependsOn.length > 0 ? { ...input, depends_on: dependsOn } : input;
    records.push(enqueueRecord(at, enqueueFields(job, id, at, context), waiting));
    outcomes.push({ id, duplicate: false });
  }
  return { records, outcomes };
}

function dependencyProblem(
  state: QueueState,
  inputs: JobInput[],
  ids: string[],
  position: Map<string, number>,
  index: number,
  dependency: string,
): string | undefined {
  const id = ids[index]!;
  if (dependency === id) return `job "${id}" cannot depend on itself`;
  const at = position.get(dependency);
  if (at !== undefined && at < index) return undefined;
  if (at !== undefined) {
    return closesCycle(inputs, ids, position, at, id)
      ? `"${dependency}" depends on "${id}": that closes a cycle`
      : `"${dependency}" comes later in the batch; a dependency must exist or come earlier`;
  }
  const job = state.jobs.get(dependency);
  if (!job) return `no job with id "${dependency}"`;
  if (job.state === "dead" || job.state === "canceled") {
    return `dependency "${dependency}" is ${job.state}; retry it first`;
  }
  return undefined;
}

/** Whether batch job `from` depends, through the batch, on job `target`. */
function closesCycle(
  inputs: JobInput[],
  ids: string[],
  position: Map<string, number>,
  from: number,
  target: string,
): boolean {
  const seen = new Set<number>();
  const stack = [from];
  while (stack.length > 0) {
    const index = stack.pop()!;
    if (seen.has(index)) continue;
    seen.add(index);
    for (const dependency of inputs[index]?.depends_on ?? []) {
      if (dependency === target) return true;
      const next = position.get(dependency);
      if (next !== undefined) stack.push(next);
    }
    if (ids[index] === target) return true;
  }
  return false;
}

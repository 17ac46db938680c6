/**
 * Chaos helper, run as its own process: enqueues a deterministic series of batches for one
 * enqueuer and prints, once the store acknowledged each batch, one JSON line
 * `{"batch": b, "acked": [ids], "refused": {id: reason}}`.
 *
 * A job whose dependency is already dead or canceled is refused by the queue (and so is one whose
 * dependency was refused): it is left out of its batch, which is tried again without it.
 * Restarted after a kill, the enqueuer resumes at `first-batch`; a batch that reached the journal
 * before the kill is refused as "already exists", and the ids it holds (batches are all or none)
 * are acknowledged then.
 * Usage: chaos_enqueuer.ts <home> <enqueuer> <first-batch> <batches> <effects> <pause-ms>
 *        <workload-json>
 * @module
 */

import { NotFoundError, ValidationError } from "../src/errors.ts";
import { JournalQueueStore, type QueueStore } from "../src/queue/mod.ts";
import { workloadBatch, workloadInput, type WorkloadOptions } from "./chaos_workload.ts";

const [home, enqueuerText, firstText, batchesText, effects, pauseText, workloadText] = Deno.args;
const enqueuer = Number(enqueuerText);
const first = Number(firstText);
const batches = Number(batchesText);
const pauseMs = Number(pauseText ?? 0);
const workload = JSON.parse(workloadText!) as WorkloadOptions;

/** The position in the batch of the job a refusal names, if it is about its dependencies. */
function refusedPosition(message: string, batchLength: number): number | undefined {
  const numbered = /^Job (\d+): field "depends_on": /.exec(message);
  if (numbered) return Number(numbered[1]) - 1;
  return batchLength === 1 && message.startsWith(`Field "depends_on": `) ? 0 : undefined;
}

/** Which of these ids the journal holds. */
async function existing(store: QueueStore, ids: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const id of ids) {
    try {
      await store.getJob(id);
      found.push(id);
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  return found;
}

const store = await JournalQueueStore.open(home!);
const encoder = new TextEncoder();
for (let b = first; b < batches; b++) {
  const planned = workloadBatch(workload, enqueuer, b).map((job) => workloadInput(job, effects!));
  let inputs = planned;
  let acked: string[] = [];
  const refused: Record<string, string> = {};
  while (inputs.length > 0) {
    try {
      await store.enqueue(inputs, { cwd: "/" });
      acked = inputs.map((input) => input.id!);
      break;
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      if (/already exists/.test(error.message)) {
        // Written before this process was killed last time, maybe without jobs refused then.
        acked = await existing(store, planned.map((input) => input.id!));
        for (const input of planned) {
          if (!acked.includes(input.id!)) refused[input.id!] ??= "not in the batch written before";
        }
        break;
      }
      const position = refusedPosition(error.message, inputs.length);
      if (position === undefined || inputs[position] === undefined) throw error;
      refused[inputs[position].id!] = error.message;
      inputs = inputs.filter((_, i) => i !== position);
    }
  }
  await Deno.stdout.write(encoder.encode(JSON.stringify({ batch: b, acked, refused }) + "\n"));
  if (pauseMs > 0) {
    await new Promise((resolve) => setTimeout(resolve, pauseMs * (0.5 + Math.random())));
  }
}
await store.close();

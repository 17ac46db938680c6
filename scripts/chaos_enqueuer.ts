/**
 * Chaos helper, run as its own process: enqueues a deterministic series of batches for one
 * enqueuer and prints each batch's ids once the store acknowledged them. Restarted after a kill,
 * it resumes at `first-batch`; a batch that reached the journal before the kill is acknowledged
 * then (batches are all or none, so its first id tells).
 * Usage: chaos_enqueuer.ts <home> <enqueuer> <first-batch> <batches> <batch-size> <effects>
 *        <fail-every> <pause-ms>
 * @module
 */

import { ValidationError } from "../src/errors.ts";
import { type JobInput, JournalQueueStore } from "../src/queue/mod.ts";

const [home, enqueuer, firstText, batchesText, sizeText, effects, failEveryText, pauseText] =
  Deno.args;
const pauseMs = Number(pauseText ?? 0);
const first = Number(firstText);
const batches = Number(batchesText);
const size = Number(sizeText);
const failEvery = Number(failEveryText);

/**
 * Job `n` of batch `b`: under a per-job lock, appends `id:attempt` to the effects file, sleeps a
 * little, maybe fails; a run that finds the lock taken appends `overlap:id`.
 */
function job(b: number, n: number): JobInput {
  const id = `e${enqueuer}-b${b}-j${n}`;
  const index = b * size + n;
  const fails = failEvery > 0 && index % failEvery === failEvery - 1;
  const sleep = ((index * 7919) % 40) / 1000;
  return {
    id: fails ? `${id}-fails` : id,
    // A run that finds its job's lock taken (flock exits 75) overlaps another run of that job.
    command:
      `flock -n -E 75 ${effects}.locks/${id} -c 'echo "$QUEUECTL_JOB_ID:$QUEUECTL_ATTEMPT" ` +
      `>> ${effects}; sleep ${sleep}${fails ? "; exit 1" : ""}'; s=$?; ` +
      `[ $s != 75 ] || echo "overlap:$QUEUECTL_JOB_ID" >> ${effects}; exit $s`,
    max_retries: fails ? 1 : 50,
  };
}

const store = await JournalQueueStore.open(home!);
const encoder = new TextEncoder();
for (let b = first; b < batches; b++) {
  const inputs = Array.from({ length: size }, (_, n) => job(b, n));
  try {
    await store.enqueue(inputs, { cwd: "/" });
  } catch (error) {
    // The batch reached the journal before this process was killed last time.
    if (!(error instanceof ValidationError) || !/already exists/.test(error.message)) throw error;
  }
  await Deno.stdout.write(encoder.encode(`batch ${b} ${inputs.map((i) => i.id).join(" ")}\n`));
  if (pauseMs > 0) {
    await new Promise((resolve) => setTimeout(resolve, pauseMs * (0.5 + Math.random())));
  }
}
await store.close();

/**
 * Writes a synthetic but valid journal for benchmarks: `historical` records of finished job
 * lifecycles (enqueue, claim, complete, with a heartbeat now and then), dated `ageDays` ago, then
 * `pending` enqueued jobs.
 * Usage: deno run --allow-read --allow-write scripts/synthetic_journal.ts <home> <historical> <pending>
 * @module
 */

import { join } from "node:path";
import {
  encodeHeader,
  encodeRecord,
  FORMAT_VERSION,
  newGeneration,
  type RecordBody,
  saltOf,
} from "../src/journal/framing.ts";

/** Shape of the journal to write. */
export interface SyntheticJournal {
  historical: number;
  pending: number;
  ageDays?: number;
}

/**
 * Writes `journal.jsonl` into `home` (created if needed).
 * @returns The number of records written, header excluded.
 */
export async function writeSyntheticJournal(home: string, spec: SyntheticJournal): Promise<number> {
  await Deno.mkdir(home, { recursive: true, mode: 0o700 });
  const gen = newGeneration();
  const salt = saltOf(gen);
  const file = await Deno.open(join(home, "journal.jsonl"), {
    write: true,
    create: true,
    truncate: true,
    mode: 0o600,
  });
  const encoder = new TextEncoder();
  const start = Date.now() - (spec.ageDays ?? 30) * 86_400_000;
  let seq = 0;
  let chunk: string[] = [];
  const flush = async () => {
    const bytes = encoder.encode(chunk.join(""));
    let written = 0;
    while (written < bytes.length) written += await file.write(bytes.subarray(written));
    chunk = [];
  };
  const put = async (body: RecordBody) => {
    chunk.push(encodeRecord(++seq, body, salt));
    if (chunk.length >= 10_000) await flush();
  };
  chunk.push(encodeHeader({
    seq: 0,
    format: FORMAT_VERSION,
    gen,
    created_at: new Date(start).toISOString(),
    snapshot_bytes: 0,
  }));
  const worker = "w-01SYNTHETICWORKER000000000";
  await put({
    at: new Date(start).toISOString(),
    op: "worker",
    worker,
    pid: 1,
    host: "synthetic",
    pstart: null,
  });
  let job = 0;
  while (seq < spec.historical) {
    const at = new Date(start + job * 10).toISOString();
    const id = `hist-${job++}`;
    await put({
      at,
      op: "enqueue",
      id,
      command: `convert img${job}.png img${job}.jpg`,
      max_retries: 3,
      priority: 0,
      run_at: at,
      timeout: 120,
      cwd: "/home/user/photos",
    });
    const claimSeq = seq + 1;
    await put({ at, op: "claim", id, worker, attempt: 1 });
    await put({ at, op: "complete", id, lease: claimSeq, exit_code: 0 });
    if (job % 10 === 0) await put({ at, op: "heartbeat", worker });
  }
  await put({ at: new Date().toISOString(), op: "exit", worker });
  const now = new Date().toISOString();
  for (let i = 0; i < spec.pending; i++) {
    await put({
      at: now,
      op: "enqueue",
      id: `pending-${i}`,
      command: `echo ${i}`,
      max_retries: 3,
      priority: i % 3,
      run_at: now,
      timeout: 120,
      cwd: "/tmp",
    });
  }
  await flush();
  file.close();
  return seq;
}

if (import.meta.main) {
  const [home, historical, pending] = Deno.args;
  const n = await writeSyntheticJournal(home!, {
    historical: Number(historical),
    pending: Number(pending),
  });
  // deno-lint-ignore no-console
  console.log(`${n} records written to ${join(home!, "journal.jsonl")}`);
}

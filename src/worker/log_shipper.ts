/**
 * Sends a running job's output to a store that keeps logs (PostgreSQL), in chunks while it runs
 * and once more when it ends, so that `logs` and `logs --follow` work from any machine. The log
 * file in the worker's home stays the whole output; the store keeps its last 1 MiB.
 * @module
 */

import { LOG_BYTES_KEPT, type QueueStore } from "../queue/mod.ts";

/** How often a running job's new output is sent. */
export const SHIP_INTERVAL_MS = 500;

/** One run's output on its way to the store. */
export class LogShipper {
  #store: QueueStore;
  #jobId: string;
  #run: number;
  #path: string;
  #warn: (line: string) => void;
  /** Bytes of the file the store has (or that were dropped as too old to keep). */
  #sent = 0;
  #shipping: Promise<void> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #warned = false;

  /**
   * @param store The store; nothing is sent unless it keeps logs.
   * @param jobId The job.
   * @param run The run's number.
   * @param path The run's log file.
   * @param warn Where a failure to send is said (once per run; sending goes on).
   */
  constructor(
    store: QueueStore,
    jobId: string,
    run: number,
    path: string,
    warn: (line: string) => void,
  ) {
    this.#store = store;
    this.#jobId = jobId;
    this.#run = run;
    this.#path = path;
    this.#warn = warn;
  }

  /** Starts sending every {@linkcode SHIP_INTERVAL_MS}. */
  start(): void {
    if (!this.#store.keepsLogs) return;
    this.#timer = setInterval(() => {
      this.#shipping ??= this.#ship().finally(() => (this.#shipping = undefined));
    }, SHIP_INTERVAL_MS);
  }

  /** Stops the timer and sends what is left; never throws. */
  async finish(): Promise<void> {
    if (!this.#store.keepsLogs) return;
    clearInterval(this.#timer);
    await this.#shipping;
    await this.#ship();
  }

  async #ship(): Promise<void> {
    try {
      const file = await Deno.open(this.#path, { read: true });
      try {
        const size = (await file.stat()).size;
        if (size <= this.#sent) return;
        const from = Math.max(this.#sent, size - LOG_BYTES_KEPT);
        await file.seek(from, Deno.SeekMode.Start);
        const data = new Uint8Array(size - from);
        let filled = 0;
        while (filled < data.length) {
          const n = await file.read(data.subarray(filled));
          if (n === null) break;
          filled += n;
        }
        await this.#store.appendLog(this.#jobId, this.#run, from, data.subarray(0, filled));
        this.#sent = from + filled;
      } finally {
        file.close();
      }
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return; // the run never started
      if (this.#warned) return;
      this.#warned = true;
      const message = error instanceof Error ? error.message : String(error);
      this.#warn(
        `job ${this.#jobId} run ${this.#run}: cannot send its output to the store (${message}); ` +
          `trying again, the log file stays in this worker's home`,
      );
    }
  }
}

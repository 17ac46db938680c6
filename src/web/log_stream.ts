/**
 * A running job's output, live: an SSE stream that sends what its log file gained since `offset`
 * (checked every 300 ms: one `fstat` of one file, only while a page shows a run that goes on),
 * and ends once the run has ended (as the journal watcher tells) and the file is read to its end.
 * A slow page holds back reading, not memory: what it has not taken stays in the file.
 * @module
 */

import type { QueueStore } from "../queue/mod.ts";
import type { LiveHub } from "./live_hub.ts";
import { sseMessage } from "./live_hub.ts";
import { readRunLog } from "./log_file.ts";

/** What the stream needs. */
export interface LogStreamOptions {
  store: QueueStore;
  home: string;
  hub: LiveHub;
  jobId: string;
  run: number;
  /** Where the page's text ends, in bytes. */
  offset: number;
  /** How often the file is looked at (default 300 ms). */
  pollMs?: number;
  /** Registers the stream's closer, so that a shutdown ends it; returns the unregistration. */
  track: (close: () => void) => () => void;
}

/** Most bytes sent in one message. */
const CHUNK_BYTES = 64 * 1024;

/**
 * The SSE response: `log` messages `{text, end}`, then one `end` message.
 * @param options The job, the run, where to start.
 * @returns The response.
 */
export function logStreamResponse(options: LogStreamOptions): Response {
  const { store, home, hub, jobId, run } = options;
  const pollMs = options.pollMs ?? 300;
  let offset = options.offset;
  let finished = false;
  let closed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopListening = () => {};
  let untrack = () => {};

  const checkRun = async () => {
    try {
      const job = await store.getJob(jobId);
      const attempt = job.history.find((a) => a.attempt === run);
      finished = attempt === undefined || attempt.outcome !== null || job.state !== "processing";
    } catch {
      finished = true; // gone (retention) or unreadable: nothing more will come
    }
  };

  const body = new ReadableStream<Uint8Array>({
    start: (controller) => {
      const close = () => {
        if (closed) return;
        closed = true;
        if (timer !== undefined) clearTimeout(timer);
        stopListening();
        untrack();
        try {
          controller.close();
        } catch {
          // Canceled by the page already.
        }
      };
      untrack = options.track(close);
      stopListening = hub.listen(() => void checkRun());
      const tick = async () => {
        timer = undefined;
        if (closed) return;
        try {
          // The run's end is read before the file: output written before the end is then read.
          const ended = finished;
          let more = false;
          if ((controller.desiredSize ?? 1) > 0) {
            const chunk = await readRunLog(store, home, jobId, run, offset, CHUNK_BYTES);
            if (closed) return;
            if (chunk.end > offset) {
              offset = chunk.end;
              controller.enqueue(sseMessage("log", { text: chunk.text, end: offset }));
              more = chunk.end - chunk.start >= CHUNK_BYTES - 3;
            } else if (ended) {
              controller.enqueue(sseMessage("end", { end: offset }));
              return close();
            }
          }
          timer = setTimeout(tick, more ? 0 : pollMs);
        } catch {
          close(); // the log cannot be read (the home changed under us): the page keeps its text
        }
      };
      controller.enqueue(new TextEncoder().encode("retry: 3000\n\n"));
      void checkRun().then(tick);
    },
    cancel: () => {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      stopListening();
      untrack();
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    },
  });
}

/**
 * `queuectl worker run`: one worker loop in this process. Internal: `worker start` spawns it.
 * SIGTERM or Ctrl-C drains (the running job finishes); a second one stops now (kill, requeue).
 * @module
 */

import { openPrivateAppend } from "../home/private_file.ts";
import { writeAll } from "../journal/file_io.ts";
import { JournalQueueStore } from "../queue/mod.ts";
import { Worker } from "../worker/mod.ts";
import { makeWorkerId } from "../worker/supervisor.ts";
import type { CommandSpec } from "./command.ts";

export const workerRunCommand: CommandSpec = {
  name: ["worker", "run"],
  summary: "run one worker in this process (used by worker start)",
  hidden: true,
  options: {
    id: { type: "string", value: "ID", help: "worker id (default: a new one)" },
    "log-file": { type: "string", value: "PATH", help: "append the worker's log here, not stderr" },
  },
  positionals: [0, 0],
  async run(context, _args, options) {
    const logFile = options["log-file"] as string | undefined;
    const sink = logFile
      ? await openPrivateAppend(logFile, context.home) // never through a symbolic link
      : undefined;
    const encoder = new TextEncoder();
    let pending = Promise.resolve();
    let buffered: string[] = [];
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    // Lines are written in batches (every 100 ms): a busy worker logs two lines a job.
    const flush = () => {
      flushTimer = undefined;
      if (!sink || buffered.length === 0) return;
      const bytes = encoder.encode(buffered.join(""));
      buffered = [];
      pending = pending.then(() => writeAll(sink, bytes)).then(() => {}, () => {});
    };
    const log = (line: string) => {
      const text = `${new Date().toISOString()} ${line}`;
      if (!sink) return context.out.note(text);
      buffered.push(`${text}\n`);
      flushTimer ??= setTimeout(flush, 100);
    };
    try {
      const store = await JournalQueueStore.open(context.home);
      const worker = new Worker({
        store,
        home: context.home,
        id: (options.id as string | undefined) ?? makeWorkerId(),
        log,
      });
      let signals = 0;
      const onSignal = () => {
        worker.requestStop(++signals === 1 ? "drain" : "now");
        worker.checkIn();
      };
      const signalNames: Deno.Signal[] = ["SIGTERM", "SIGINT"];
      for (const name of signalNames) Deno.addSignalListener(name, onSignal);
      try {
        await worker.run();
      } finally {
        for (const name of signalNames) Deno.removeSignalListener(name, onSignal);
        await store.close();
      }
      return 0;
    } catch (error) {
      log(`worker failed: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    } finally {
      if (flushTimer !== undefined) clearTimeout(flushTimer);
      flush();
      await pending;
      sink?.close();
    }
  },
};

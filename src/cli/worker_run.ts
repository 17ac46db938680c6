/**
 * `queuectl worker run`: one worker loop in this process. Internal: `worker start` spawns it.
 * SIGTERM drains (the running job finishes), however often it comes; a SIGINT after an earlier
 * stop signal (a second Ctrl-C) stops now (kill, requeue).
 * @module
 */

import { openPrivateAppend } from "../home/private_file.ts";
import { writeAll } from "../journal/file_io.ts";
import { openStore } from "../open_store.ts";
import { preloadLazyModules } from "../queue/preload.ts";
import { jobStartWay } from "../worker/job_process.ts";
import { Worker } from "../worker/mod.ts";
import { makeWorkerId } from "../worker/supervisor.ts";
import { type CommandSpec, integerOption } from "./command.ts";
import { queueList } from "./queue.ts";

export const workerRunCommand: CommandSpec = {
  name: ["worker", "run"],
  summary: "run one worker in this process (used by worker start)",
  hidden: true,
  options: {
    id: { type: "string", value: "ID", help: "worker id (default: a new one)" },
    "log-file": { type: "string", value: "PATH", help: "append the worker's log here, not stderr" },
    attached: { type: "boolean", help: "drain when standard input closes (the starter is gone)" },
    queue: { type: "string", value: "Q,…", help: "claim only from these queues" },
    concurrency: { type: "string", value: "N", help: "jobs run at once (default 1)" },
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
      // A worker waits for the lock as long as it takes (saying so once) and logs housekeeping
      // warnings, instead of giving up like a command.
      const store = await openStore(context.home, context.storeUrl, {
        onLockWait: log,
        onWarning: log,
      });
      const worker = new Worker({
        store,
        home: context.home,
        id: (options.id as string | undefined) ?? makeWorkerId(),
        log,
        ...(options.queue === undefined ? {} : { queues: queueList(options.queue as string) }),
        slots: integerOption(options, "concurrency", 1) ?? 1,
      });
      // SIGTERM (`worker stop`, or a first Ctrl-C forwarded by `worker start --foreground`)
      // drains, however often it comes: a stop `--now` is read from the journal by checkIn.
      // Only a SIGINT after an earlier stop signal (a second Ctrl-C) stops now.
      let stopping = false;
      const onTerm = () => {
        stopping = true;
        worker.requestStop("drain");
        worker.checkIn();
      };
      const onInt = () => {
        worker.requestStop(stopping ? "now" : "drain");
        stopping = true;
        worker.checkIn();
      };
      const listeners: [Deno.Signal, () => void][] = [["SIGTERM", onTerm], ["SIGINT", onInt]];
      for (const [name, listener] of listeners) Deno.addSignalListener(name, listener);
      if (options.attached === true) {
        // `worker start --foreground` holds the other end: end of input means it is gone.
        (async () => {
          try {
            for await (const _ of Deno.stdin.readable) { /* nothing is ever sent */ }
          } catch {
            // Closed either way.
          }
          if (stopping) return;
          log("the worker start --foreground process is gone; draining");
          onTerm();
        })();
      }
      // The launcher starts now, beside the worker's own start: the first job does not wait for
      // it (15-35 ms). Without perl, jobs are started the other ways; nothing to wait for.
      jobStartWay().catch(() => {});
      // Everything it may load later, loaded now: its files may be replaced while it runs.
      await preloadLazyModules();
      try {
        await worker.run();
      } finally {
        // A stop signal that comes after the worker stopped (a second `worker stop`) must not
        // turn its clean exit into a death by SIGTERM: this process exits next, so they stay
        // caught, and ignored.
        for (const [name] of listeners) Deno.addSignalListener(name, ignoreSignal);
        for (const [name, listener] of listeners) Deno.removeSignalListener(name, listener);
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

function ignoreSignal(): void {}

/**
 * The queue: jobs, settings, the state machine and the store API over the journal.
 * @module
 */

export * from "./config.ts";
export * from "./job.ts";
export * from "./job_input.ts";
export * from "./store.ts";
export { JournalQueueStore, queueReducer } from "./journal_store.ts";
export type { StoreOptions } from "./journal_store.ts";
export type { QueueView } from "./queue_view.ts";
export type { ScheduleSpec, ScheduleView } from "./schedules.ts";
export type {
  Counters,
  Percentiles,
  QueueMetrics,
  RunSample,
  StatsReport,
  WindowStats,
} from "./stats.ts";
export type { QueueSettings, QueueState, StopMode, WorkerEntry, WorkerStatus } from "./state.ts";
export { DEFAULT_QUEUE } from "./state.ts";

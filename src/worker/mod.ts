/**
 * Workers: the job loop, the executor and process supervision.
 * @module
 */

export * from "./worker.ts";
export * from "./executor.ts";
export * from "./supervisor.ts";
export { hostName, localLivenessProbe, processStartTime } from "./liveness.ts";
export { killProcessGroup } from "./process_group.ts";
export { Wakeup, watchJournal } from "./wakeup.ts";
export { killOrphanedRun, killRunLeftovers, processesMarked } from "./orphans.ts";

/**
 * Every CLI command, in the order help lists them.
 * @module
 */

import type { CommandSpec } from "./command.ts";
import { cancelCommand } from "./cancel.ts";
import { compactCommand } from "./compact.ts";
import { configGetCommand, configSetCommand } from "./config.ts";
import { dashboardCommand, dashboardServeCommand } from "./dashboard.ts";
import { dlqListCommand, dlqRetryCommand } from "./dlq.ts";
import { doctorCommand } from "./doctor.ts";
import { enqueueCommand } from "./enqueue.ts";
import { listCommand } from "./list.ts";
import { logsCommand } from "./logs.ts";
import {
  queueListCommand,
  queuePauseCommand,
  queueResumeCommand,
  queueSetCommand,
} from "./queue.ts";
import { retryCommand } from "./retry.ts";
import {
  scheduleAddCommand,
  scheduleListCommand,
  schedulePauseCommand,
  scheduleRemoveCommand,
  scheduleResumeCommand,
} from "./schedule.ts";
import { showCommand } from "./show.ts";
import { statsCommand } from "./stats.ts";
import { statusCommand } from "./status.ts";
import { waitCommand } from "./wait.ts";
import { workerRunCommand } from "./worker_run.ts";
import { workerStartCommand } from "./worker_start.ts";
import { workerStopCommand } from "./worker_stop.ts";

/** All commands. */
export const COMMANDS: CommandSpec[] = [
  enqueueCommand,
  workerStartCommand,
  workerStopCommand,
  workerRunCommand,
  statusCommand,
  listCommand,
  showCommand,
  logsCommand,
  cancelCommand,
  retryCommand,
  dlqListCommand,
  dlqRetryCommand,
  queueListCommand,
  queuePauseCommand,
  queueResumeCommand,
  queueSetCommand,
  scheduleAddCommand,
  scheduleListCommand,
  scheduleRemoveCommand,
  schedulePauseCommand,
  scheduleResumeCommand,
  configGetCommand,
  configSetCommand,
  waitCommand,
  statsCommand,
  compactCommand,
  doctorCommand,
  dashboardCommand,
  dashboardServeCommand,
];

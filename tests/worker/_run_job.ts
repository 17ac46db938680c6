/**
 * Test fixture: a stand-in for a worker process that runs one job through `executeJob` and
 * prints the result as JSON, then ends without `Deno.exit` (nothing may keep it alive).
 *
 * Usage: _run_job.ts <ExecutionRequest JSON> [<StartOptions JSON>] [--ignore-sigint]
 *   --ignore-sigint  a SIGINT to this process is ignored, as `worker run` handles its own
 * @module
 */

import { executeJob } from "../../src/worker/executor.ts";
import { configureJobStart } from "../../src/worker/job_process.ts";

const args = Deno.args.filter((arg) => !arg.startsWith("--"));
const ignore = () => {};
const ignoreSigint = Deno.args.includes("--ignore-sigint");
if (ignoreSigint) Deno.addSignalListener("SIGINT", ignore);
if (args[1]) await configureJobStart(JSON.parse(args[1]));
const result = await executeJob(JSON.parse(args[0]!));
await Deno.stdout.write(new TextEncoder().encode(JSON.stringify(result) + "\n"));
if (ignoreSigint) Deno.removeSignalListener("SIGINT", ignore);

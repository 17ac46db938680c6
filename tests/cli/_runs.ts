/**
 * Test helper: runs measured by the jobs themselves. A job writes `start <id> <ns>` and
 * `end <id> <ns>` lines (`date +%s%N`) to a file; these read them back, to check overlap.
 * @module
 */

/**
 * Runs of each job as [start, end] in nanoseconds, from the lines the jobs wrote.
 * @param file The file the jobs appended to.
 * @returns Each job's run, by id.
 */
export async function intervals(file: string): Promise<Map<string, [bigint, bigint]>> {
  const runs = new Map<string, [bigint, bigint]>();
  for (const line of (await Deno.readTextFile(file)).split("\n").filter(Boolean)) {
    const [what, id, ns] = line.split(" ");
    const run = runs.get(id!) ?? [0n, 0n];
    run[what === "start" ? 0 : 1] = BigInt(ns!);
    runs.set(id!, run);
  }
  return runs;
}

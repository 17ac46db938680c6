import assert from "node:assert/strict";
import { withStore } from "./_store.ts";

const context = { cwd: "/tmp" };

Deno.test("listJobs() searches ids and commands ignoring case, newest first", async () => {
  await withStore(async (store) => {
    await store.enqueue([
      { id: "build-1", command: "make all" },
      { id: "deploy", command: "rsync -a BUILD/ host:/srv" },
      { id: "test", command: "make test" },
    ], context);
    const ids = async (search: string) => (await store.listJobs({ search })).map((job) => job.id);
    assert.deepEqual(await ids("build"), ["deploy", "build-1"]);
    assert.deepEqual(await ids("MAKE"), ["test", "build-1"]);
    assert.deepEqual(await ids("nothing like it"), []);
  });
});

Deno.test("listJobs() pages with offset and limit after filtering", async () => {
  await withStore(async (store) => {
    await store.enqueue(
      Array.from(
        { length: 7 },
        (_, i) => ({ id: `j${i}`, command: "true", queue: i % 2 ? "odd" : "even" }),
      ),
      context,
    );
    const page = async (offset: number, limit?: number) =>
      (await store.listJobs({ queue: "even", offset, ...(limit === undefined ? {} : { limit }) }))
        .map((job) => job.id);
    assert.deepEqual(await page(0, 2), ["j6", "j4"]);
    assert.deepEqual(await page(2, 2), ["j2", "j0"]);
    assert.deepEqual(await page(4, 2), []);
    assert.deepEqual(await page(1), ["j4", "j2", "j0"]);
  });
});

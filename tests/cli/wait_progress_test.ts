import assert from "node:assert/strict";
import { join } from "node:path";
import { estimateRest, type Progress, progressLine } from "../../src/cli/wait.ts";
import { waitFor } from "../_temp_home.ts";
import { ok, queuectl, withQueue } from "./_cli.ts";
import { queuectlOnTerminal } from "./_terminal.ts";

const CLEAR_LINE = "\r\x1b[2K";
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f]/;

function progress(fields: Partial<Progress>): Progress {
  return {
    total: 10,
    completed: 0,
    dead: [],
    deadCount: 0,
    canceled: [],
    canceledCount: 0,
    open: 10,
    running: 0,
    failed: 0,
    ...fields,
  };
}

Deno.test("progressLine() shows done of total, running, failed, dead, elapsed and the rest", () => {
  const p = progress({ completed: 2, deadCount: 1, open: 7, running: 2, failed: 1 });
  assert.equal(
    progressLine(p, 12_400, 25_000),
    "waiting: 3/10 done, 2 running, 1 failed, 1 dead; 12s elapsed, about 25s left",
  );
  assert.equal(
    progressLine(p, 61_000, undefined),
    "waiting: 3/10 done, 2 running, 1 failed, 1 dead; 1m 1s elapsed",
  );
  assert.equal(progressLine(p, 5_000, 300), `${progressLine(p, 5_000, undefined)}, under 1s left`);
});

Deno.test("estimateRest() extrapolates the pace since waiting began, and waits for a first result", () => {
  // 2 of 10 were done before; 4 more finished in 8 s: the 4 open ones take about 8 s more.
  assert.equal(estimateRest(2, progress({ completed: 6, open: 4 }), 8_000), 8_000);
  assert.equal(estimateRest(2, progress({ completed: 2, open: 8 }), 8_000), undefined);
});

Deno.test("wait on a terminal redraws one progress line in place and clears it before the result", async () => {
  await withQueue(async (home) => {
    const gate = join(home, "gate");
    await ok(home, ["enqueue", '{"id":"quick","command":"true"}']);
    await ok(home, [
      "enqueue",
      JSON.stringify({ id: "gated", command: `while [ ! -e ${gate} ]; do sleep 0.05; done` }),
    ]);
    const run = queuectlOnTerminal(home, ["wait", "--timeout", "60"]);
    try {
      await waitFor(
        "the first progress line",
        () =>
          run.text().includes(`${CLEAR_LINE}waiting: 0/2 done, 0 running, 0 failed, 0 dead; `) ||
          undefined,
      );
      await ok(home, ["worker", "start"]);
      await waitFor(
        "the line to show one job done",
        () =>
          run.text().includes(`${CLEAR_LINE}waiting: 1/2 done, 1 running, 0 failed, 0 dead; `) ||
          undefined,
      );
      await Deno.writeTextFile(gate, "");
    } catch (error) {
      run.stop();
      await run.done.catch(() => {});
      throw error;
    }
    const { code, text } = await run.done;
    assert.equal(code, 0, text);
    // Every frame starts with "\r" + clear-line and none ends a line: one line, redrawn.
    const [before, ...frames] = text.split(CLEAR_LINE);
    assert.equal(before, "");
    const result = frames.pop();
    assert.equal(result, "2 completed, 0 dead\r\n", "the line is cleared before the result");
    assert.ok(frames.length >= 2, `${frames.length} frame(s)`);
    for (const frame of frames) {
      assert.match(frame, /^waiting: \d\/2 done, [01] running, 0 failed, 0 dead; \d+s elapsed/);
      assert.doesNotMatch(frame, /\n/);
    }
  });
});

Deno.test("wait clears its progress line before a timeout error on a terminal, and draws none through pipes or with --json", async () => {
  await withQueue(async (home) => {
    await ok(home, ["enqueue", '{"id":"j","command":"true"}']);
    const error = "queuectl: Timed out after 0.3s with 1 job(s) unfinished";
    const onTerminal = await queuectlOnTerminal(home, ["wait", "--timeout", "0.3"]).done;
    assert.equal(onTerminal.code, 124);
    const frame = `${CLEAR_LINE}waiting: 0/1 done, 0 running, 0 failed, 0 dead; 0s elapsed`;
    assert.ok(onTerminal.text.startsWith(frame), JSON.stringify(onTerminal.text));
    assert.ok(
      onTerminal.text.endsWith(`${CLEAR_LINE}${error}\r\n`),
      JSON.stringify(onTerminal.text),
    );
    const piped = await queuectl(home, ["wait", "--timeout", "0.3"]);
    assert.equal(piped.code, 124);
    assert.equal(piped.stdout, "");
    assert.equal(piped.stderr, `${error}\n`);
    assert.doesNotMatch(piped.stderr, CONTROL);
    const json = await queuectlOnTerminal(home, ["wait", "--json", "--timeout", "0.3"]).done;
    assert.equal(json.code, 124);
    assert.equal(json.text, `${error}\r\n`);
  });
});

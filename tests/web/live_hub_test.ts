import assert from "node:assert/strict";
import { LiveHub } from "../../src/web/live_hub.ts";

/** A change source driven by the test. */
function manualSource() {
  let fire = () => {};
  let closed = false;
  return {
    source: (onChange: () => void) => {
      fire = onChange;
      return { close: () => void (closed = true) };
    },
    fire: () => fire(),
    closed: () => closed,
  };
}

async function readEvents(response: Response, count: number): Promise<string[]> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const events: string[] = [];
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    const parts = text.split("\n\n");
    text = parts.pop()!;
    for (const part of parts) if (part.startsWith("event:")) events.push(part);
  }
  await reader.cancel();
  return events;
}

Deno.test("a burst of changes is one update, refreshed once and pushed to every client", async () => {
  const changes = manualSource();
  let refreshes = 0;
  const hub = new LiveHub({
    source: changes.source,
    refresh: () => Promise.resolve({ refreshes: ++refreshes }),
    debounceMs: 20,
    minGapMs: 0,
  });
  try {
    await hub.updateNow();
    const a = readEvents(hub.connect(), 2);
    const b = readEvents(hub.connect(), 2);
    assert.equal(hub.clients, 2);
    for (let i = 0; i < 50; i++) changes.fire();
    const [eventsA, eventsB] = await Promise.all([a, b]);
    assert.equal(refreshes, 2, "one refresh at start, one for the burst");
    assert.deepEqual(eventsA, eventsB);
    // Version 1 from the first refresh, 2 when watching began, 3 for the burst.
    assert.equal(eventsA[0], 'event: hello\ndata: {"version":2,"summary":{"refreshes":1}}');
    assert.equal(eventsA[1], 'event: change\ndata: {"version":3,"summary":{"refreshes":2}}');
    assert.equal(hub.version, 3);
  } finally {
    await hub.close();
  }
  assert.ok(changes.closed(), "closing the hub stops watching");
});

Deno.test("updates are spaced by minGapMs however often the journal changes", async () => {
  const changes = manualSource();
  const times: number[] = [];
  const hub = new LiveHub({
    source: changes.source,
    refresh: () => Promise.resolve(times.push(Date.now())),
    debounceMs: 5,
    minGapMs: 150,
  });
  hub.listen(() => {}); // someone follows
  try {
    const started = Date.now();
    const timer = setInterval(() => changes.fire(), 10);
    await new Promise((resolve) => setTimeout(resolve, 520));
    clearInterval(timer);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(times.length >= 2 && times.length <= 5, `${times.length} updates`);
    assert.ok(times[0]! - started < 100, "the first change is pushed at once");
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= 140);
  } finally {
    await hub.close();
  }
});

Deno.test("closing the hub ends the clients' streams", async () => {
  const hub = new LiveHub({
    source: manualSource().source,
    refresh: () => Promise.resolve(null),
  });
  const response = hub.connect();
  const reader = response.body!.getReader();
  await reader.read(); // retry and hello
  await hub.close();
  for (;;) {
    const { done } = await reader.read();
    if (done) break;
  }
  assert.equal(hub.clients, 0);
});

Deno.test("the hub watches only while someone follows: no page open, no watcher", async () => {
  let opened = 0;
  let closed = 0;
  let refreshes = 0;
  const hub = new LiveHub({
    source: () => {
      opened++;
      return { close: () => void closed++ };
    },
    refresh: () => Promise.resolve(++refreshes),
  });
  try {
    assert.equal(opened, 0);
    assert.equal(hub.watching, false);
    hub.notify();
    assert.equal(refreshes, 0);
    const first = hub.connect().body!.getReader();
    const second = hub.connect().body!.getReader();
    const stop = hub.listen(() => {});
    assert.deepEqual([opened, closed, hub.watching], [1, 0, true]);
    await first.cancel();
    await second.cancel();
    assert.deepEqual([opened, closed], [1, 0], "a live log still follows");
    stop();
    assert.deepEqual([opened, closed, hub.watching], [1, 1, false]);
    const version = hub.version;
    const third = hub.connect().body!.getReader();
    assert.equal(opened, 2);
    assert.equal(hub.version, version + 1, "what changed unwatched is unknown: a new version");
    await third.cancel();
  } finally {
    await hub.close();
  }
});

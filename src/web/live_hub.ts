/**
 * Pushes "something changed" to every open page over Server-Sent Events. One source of change
 * events per dashboard process (the journal watcher) feeds it, and only while someone follows (a
 * page, or a live log): bursts are folded into one update (after `debounceMs`, at most one per
 * `minGapMs`), the store is caught up once, and every client gets the same small message. No
 * client ever polls: a page left open costs nothing until something changes, and with no page
 * open the dashboard does not even watch.
 * @module
 */

/** A source of change notifications (the journal watcher). */
export type ChangeSource = (onChange: () => void) => { close(): void };

/** What every update carries. */
export interface LiveUpdate {
  /** Grows with every update: pages cache by it. */
  version: number;
  /** Anything small the pages show everywhere (the job counts). */
  summary: unknown;
}

/** Options of the hub. */
export interface LiveHubOptions {
  /** Where changes come from. */
  source: ChangeSource;
  /** Called once per update, before it is pushed: catch the store up, return the summary. */
  refresh: () => Promise<unknown>;
  /** Quiet time folded into one update (default 100 ms). */
  debounceMs?: number;
  /** Shortest time between two updates (default 750 ms): a busy queue updates pages ~1/s. */
  minGapMs?: number;
  /** A comment line this often keeps proxies from closing idle streams (default 25 s). */
  keepAliveMs?: number;
}

const encoder = new TextEncoder();

/**
 * One SSE message.
 * @param event The event's name.
 * @param data Its data (JSON-encoded here; one line).
 * @returns The message's bytes.
 */
export function sseMessage(event: string, data: unknown): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** The hub: clients, the update loop, the listeners inside the process. */
export class LiveHub {
  #clients = new Set<ReadableStreamDefaultController<Uint8Array>>();
  #listeners = new Set<(update: LiveUpdate) => void>();
  #version = 0;
  #summary: unknown = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastUpdateMs = 0;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  #watch: { close(): void } | undefined;
  #source: ChangeSource;
  #options: Required<Omit<LiveHubOptions, "source">>;

  constructor(options: LiveHubOptions) {
    this.#source = options.source;
    this.#options = {
      refresh: options.refresh,
      debounceMs: options.debounceMs ?? 100,
      minGapMs: options.minGapMs ?? 750,
      keepAliveMs: options.keepAliveMs ?? 25_000,
    };
  }

  /** The current version (0 before the first update). */
  get version(): number {
    return this.#version;
  }

  /**
   * Whether changes are being watched: only then does the version follow the queue (pages may be
   * cached by it).
   */
  get watching(): boolean {
    return this.#watch !== undefined;
  }

  /** How many pages are connected. */
  get clients(): number {
    return this.#clients.size;
  }

  /** Starts watching when the first follower comes. */
  #followed(): void {
    if (this.#closed || this.#watch !== undefined) return;
    this.#watch = this.#source(() => this.notify());
    // Whatever changed while nobody watched is unknown: the pages cached before are stale.
    this.#version++;
    this.#keepAlive = setInterval(
      () => this.#send(encoder.encode(": keep-alive\n\n")),
      this.#options.keepAliveMs,
    );
  }

  /** Stops watching when the last follower leaves. */
  #unfollowed(): void {
    if (this.#clients.size > 0 || this.#listeners.size > 0 || this.#watch === undefined) return;
    this.#watch.close();
    this.#watch = undefined;
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Something changed: schedule an update (bursts fold into one). */
  notify(): void {
    if (this.#closed || this.#watch === undefined) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer !== undefined) return;
    const gap = this.#lastUpdateMs + this.#options.minGapMs - Date.now();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.#update().finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.notify();
        }
      });
    }, Math.max(this.#options.debounceMs, gap));
  }

  /**
   * Catches up now and pushes an update, without waiting: at start, so that the first page
   * already has a version.
   */
  async updateNow(): Promise<void> {
    await this.#update();
  }

  async #update(): Promise<void> {
    this.#lastUpdateMs = Date.now();
    let summary: unknown;
    try {
      summary = await this.#options.refresh();
    } catch {
      // The journal could not be read this time (a compaction mid-way): the next change retries.
      return;
    }
    if (this.#closed) return;
    this.#summary = summary;
    this.#version++;
    const update = { version: this.#version, summary };
    this.#send(sseMessage("change", update));
    for (const listener of this.#listeners) listener(update);
  }

  /**
   * Listens to updates inside the process (a log stream waiting for its run to end).
   * @param listener Called after each update.
   * @returns A function that stops listening.
   */
  listen(listener: (update: LiveUpdate) => void): () => void {
    this.#listeners.add(listener);
    this.#followed();
    return () => {
      this.#listeners.delete(listener);
      this.#unfollowed();
    };
  }

  /**
   * A new client's stream: it gets the current version at once, then every update.
   * @returns The SSE response.
   */
  connect(): Response {
    let self: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        self = controller;
        if (this.#closed) return controller.close();
        this.#clients.add(controller);
        this.#followed();
        // A reconnecting page retries after 2 s, and learns where things are now.
        controller.enqueue(encoder.encode("retry: 2000\n\n"));
        controller.enqueue(sseMessage("hello", { version: this.#version, summary: this.#summary }));
      },
      cancel: () => {
        this.#clients.delete(self);
        this.#unfollowed();
      },
    });
    return new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
      },
    });
  }

  #send(bytes: Uint8Array): void {
    for (const client of this.#clients) {
      try {
        client.enqueue(bytes);
      } catch {
        this.#clients.delete(client); // closed under us
        this.#unfollowed();
      }
    }
  }

  /** Stops watching and ends every stream, so that the server can shut down. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#watch?.close();
    this.#watch = undefined;
    clearInterval(this.#keepAlive);
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
    for (const client of this.#clients) {
      try {
        client.close();
      } catch {
        // Already closed.
      }
    }
    this.#clients.clear();
    this.#listeners.clear();
  }
}

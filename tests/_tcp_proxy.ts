/**
 * Test helper: a TCP proxy in front of a server, which a test can cut (every connection closed,
 * new ones refused) and restore on the same port: a database restart or a network outage, as its
 * clients see it.
 * @module
 */

/** A running proxy. */
export interface TcpProxy {
  /** The port clients connect to (127.0.0.1). */
  port: number;
  /** Closes every connection and refuses new ones. */
  cut(): void;
  /**
   * Once: the next reply from the server that holds `bytes` never reaches its client, and the
   * proxy cuts (a commit that succeeded with its reply lost). `restore()` to end the outage.
   */
  loseReplyWith(bytes: Uint8Array): void;
  /** Accepts connections again, on the same port. */
  restore(): void;
  /** Stops it for good. */
  close(): void;
}

/**
 * Starts a proxy on a free port of 127.0.0.1 to `target`.
 * @param target Where connections go, e.g. `{ hostname: "127.0.0.1", port: 5432 }`.
 * @returns The proxy.
 */
export function startTcpProxy(target: { hostname: string; port: number }): TcpProxy {
  const open = new Set<Deno.Conn>();
  let listener: Deno.Listener | undefined;
  let port = 0;
  let lose: Uint8Array | undefined;
  const pipe = async (from: Deno.Conn, to: Deno.Conn, fromServer: boolean) => {
    try {
      const writer = to.writable.getWriter();
      for await (const chunk of from.readable) {
        if (fromServer && lose && contains(chunk, lose)) {
          lose = undefined;
          cut();
          break;
        }
        await writer.write(chunk);
      }
    } catch {
      // Cut, or the other side closed.
    }
    for (const conn of [from, to]) {
      try {
        conn.close();
      } catch {
        // Closed already.
      }
      open.delete(conn);
    }
  };
  const accept = async (current: Deno.Listener) => {
    for (;;) {
      let client: Deno.Conn;
      try {
        client = await current.accept();
      } catch {
        return; // cut or closed
      }
      if (listener !== current) {
        client.close();
        return;
      }
      let server: Deno.Conn;
      try {
        server = await Deno.connect(target);
      } catch {
        client.close();
        continue;
      }
      open.add(client);
      open.add(server);
      void pipe(client, server, false);
      void pipe(server, client, true);
    }
  };
  const listen = () => {
    listener = Deno.listen({ hostname: "127.0.0.1", port });
    port = (listener.addr as Deno.NetAddr).port;
    void accept(listener);
  };
  const cut = () => {
    try {
      listener?.close();
    } catch {
      // Closed already.
    }
    listener = undefined;
    for (const conn of open) {
      try {
        conn.close();
      } catch {
        // Closed already.
      }
    }
    open.clear();
  };
  listen();
  return {
    get port() {
      return port;
    },
    cut,
    loseReplyWith(bytes: Uint8Array) {
      lose = bytes;
    },
    restore: listen,
    close: cut,
  };
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

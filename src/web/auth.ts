/**
 * Who may use the dashboard, checked on every request before any route runs: the access token
 * (when one is set: required for any address that is not loopback), the Host header (without a
 * token, only this machine's names, so a web page cannot reach the dashboard through DNS
 * rebinding), and for a state change a POST from the dashboard's own origin carrying the
 * per-process CSRF token. Pure functions of the request, tested alone.
 * @module
 */

import { hostPort } from "./listen_address.ts";

/** What the checks compare a request with. */
export interface AccessRules {
  /** The token every request must carry, or `undefined` for none (loopback only). */
  token: string | undefined;
  /** The per-process token every POST must carry. */
  csrfToken: string;
  /** The Host headers accepted; `undefined` accepts any (when a token is required). */
  allowedHosts: ReadonlySet<string> | undefined;
  /** The cookie that keeps the token once a `?token=` URL was opened. */
  cookieName: string;
}

/** A refusal: the status and a one-line reason. */
export interface Denial {
  status: number;
  message: string;
}

/** The query parameter that carries the token. */
export const TOKEN_PARAM = "token";
/** The form field and header that carry the CSRF token. */
export const CSRF_FIELD = "csrf";
export const CSRF_HEADER = "x-csrf-token";

/**
 * A new random token (32 bytes, base64url): for the CSRF token and a generated access token.
 * @returns The token.
 */
export function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}

/**
 * Whether a user-given token is acceptable: 16 to 512 characters that need no quoting in a URL,
 * a header or a cookie.
 * @param token The token.
 * @returns `true` if it can be used.
 */
export function isValidToken(token: string): boolean {
  return /^[A-Za-z0-9._~+/=-]{16,512}$/.test(token);
}

/**
 * Compares two strings in time that depends only on their lengths.
 * @param a One string.
 * @param b The other.
 * @returns Whether they are equal.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/**
 * The Host headers that name this machine on a port: what a loopback dashboard accepts.
 * @param listenHost The host it listens on.
 * @param port The port it got.
 * @returns The accepted values, lower case.
 */
export function loopbackHosts(listenHost: string, port: number): Set<string> {
  const names = ["127.0.0.1", "localhost", "::1", listenHost];
  const hosts = new Set(names.map((name) => hostPort(name, port).toLowerCase()));
  if (port === 80) { for (const name of names) hosts.add(hostPort(name, 0).replace(/:0$/, "")); }
  return hosts;
}

/**
 * The Host check: without a token, a request must name this machine, or a page of another site
 * whose name was rebound to 127.0.0.1 could read the dashboard.
 * @param request The request.
 * @param rules The rules.
 * @returns A denial, or `undefined` to go on.
 */
export function checkHost(request: Request, rules: AccessRules): Denial | undefined {
  if (rules.allowedHosts === undefined) return undefined;
  const host = (request.headers.get("host") ?? "").toLowerCase();
  if (rules.allowedHosts.has(host)) return undefined;
  return { status: 421, message: `Host "${host}" is not this dashboard's address` };
}

/** What the token check decided. */
export type TokenVerdict =
  | { kind: "ok" }
  | { kind: "denied"; denial: Denial }
  /** A valid `?token=`: set the cookie and send the browser to the same URL without it. */
  | { kind: "redirect"; location: string; cookie: string };

/**
 * The token check: `Authorization: Bearer T`, the cookie, or `?token=T` (which then sets the
 * cookie, so that the token leaves the address bar and the history).
 * @param request The request.
 * @param url Its parsed URL.
 * @param rules The rules.
 * @returns The verdict.
 */
export function checkToken(request: Request, url: URL, rules: AccessRules): TokenVerdict {
  const token = rules.token;
  if (token === undefined) return { kind: "ok" };
  const fromQuery = url.searchParams.get(TOKEN_PARAM);
  if (fromQuery !== null && constantTimeEqual(fromQuery, token)) {
    if (request.method !== "GET" && request.method !== "HEAD") return { kind: "ok" };
    const clean = new URL(url);
    clean.searchParams.delete(TOKEN_PARAM);
    return {
      kind: "redirect",
      location: clean.pathname + clean.search,
      cookie: `${rules.cookieName}=${token}; Path=/; HttpOnly; SameSite=Lax`,
    };
  }
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "")?.[1];
  if (bearer !== undefined && constantTimeEqual(bearer, token)) return { kind: "ok" };
  const cookie = cookieValue(request.headers.get("cookie"), rules.cookieName);
  if (cookie !== undefined && constantTimeEqual(cookie, token)) return { kind: "ok" };
  const given = fromQuery !== null || bearer !== undefined || cookie !== undefined;
  return {
    kind: "denied",
    denial: {
      status: 401,
      message: given
        ? "The access token is wrong"
        : "This dashboard needs its access token: open the URL it printed at start, " +
          "or send Authorization: Bearer <token>",
    },
  };
}

/**
 * One cookie's value from a `Cookie` header.
 * @param header The header, if any.
 * @param name The cookie's name.
 * @returns Its value, or `undefined`.
 */
export function cookieValue(header: string | null, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The same-origin check of a state change: the browser's `Origin` (or, without it, `Referer`)
 * must name the host the request was sent to. A request with neither is refused: every browser
 * sends `Origin` with a POST; a script must send it too.
 * @param request The request.
 * @returns A denial, or `undefined` to go on.
 */
export function checkSameOrigin(request: Request): Denial | undefined {
  const host = (request.headers.get("host") ?? "").toLowerCase();
  const origin = request.headers.get("origin");
  const source = origin !== null && origin !== "null" ? origin : request.headers.get("referer");
  if (source === null) {
    return { status: 403, message: "A change must come from the dashboard's own page (no Origin)" };
  }
  let sourceHost: string;
  try {
    sourceHost = new URL(source).host.toLowerCase();
  } catch {
    return { status: 403, message: `A change must come from the dashboard's own page` };
  }
  if (host === "" || sourceHost !== host) {
    return {
      status: 403,
      message: `A change must come from the dashboard's own page, not from "${source}"`,
    };
  }
  return undefined;
}

/**
 * The CSRF check of a state change: the per-process token, from the form or the header.
 * @param given The token the request carried, if any.
 * @param rules The rules.
 * @returns A denial, or `undefined` to go on.
 */
export function checkCsrf(
  given: string | null | undefined,
  rules: AccessRules,
): Denial | undefined {
  if (typeof given === "string" && constantTimeEqual(given, rules.csrfToken)) return undefined;
  return {
    status: 403,
    message: given
      ? "The form's CSRF token is stale: reload the page"
      : "A change must carry the page's CSRF token",
  };
}

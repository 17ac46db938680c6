/**
 * A small router: a route is a method and a path pattern whose `:name` segments become
 * parameters (decoded). The first route that matches wins; a path that matches only under another
 * method answers 405.
 * @module
 */

/** What a route's handler is given. */
export interface RouteContext {
  request: Request;
  url: URL;
  params: Record<string, string>;
}

/** A route's handler. */
export type RouteHandler<C> = (context: RouteContext & C) => Response | Promise<Response>;

/** What {@linkcode Router.match} found. */
export type RouteMatch<C> =
  | { kind: "found"; handler: RouteHandler<C>; params: Record<string, string> }
  | { kind: "method"; allowed: string[] }
  | { kind: "none" };

interface Route<C> {
  method: string;
  segments: string[];
  handler: RouteHandler<C>;
}

/** Routes, in the order they were added. */
export class Router<C = unknown> {
  #routes: Route<C>[] = [];

  /**
   * Adds a route.
   * @param method `GET` (which also answers `HEAD`) or `POST`.
   * @param pattern e.g. `/jobs/:id/retry`.
   * @param handler What answers it.
   * @returns The router, to chain.
   */
  add(method: "GET" | "POST", pattern: string, handler: RouteHandler<C>): this {
    this.#routes.push({ method, segments: pattern.split("/").slice(1), handler });
    return this;
  }

  /**
   * Finds the route of a request.
   * @param method The request's method.
   * @param pathname The URL's path (still percent-encoded).
   * @returns The handler and its parameters, the methods the path allows, or nothing.
   */
  match(method: string, pathname: string): RouteMatch<C> {
    const parts = pathname.split("/").slice(1);
    const allowed = new Set<string>();
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, parts);
      if (params === undefined) continue;
      const wanted = method === "HEAD" ? "GET" : method;
      if (route.method === wanted) return { kind: "found", handler: route.handler, params };
      allowed.add(route.method);
    }
    if (allowed.size > 0) {
      if (allowed.has("GET")) allowed.add("HEAD");
      return { kind: "method", allowed: [...allowed] };
    }
    return { kind: "none" };
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i]!;
    const part = parts[i]!;
    if (want.startsWith(":")) {
      if (part === "") return undefined;
      let value: string;
      try {
        value = decodeURIComponent(part);
      } catch {
        return undefined; // malformed percent-encoding names nothing
      }
      params[want.slice(1)] = value;
    } else if (want !== part) {
      return undefined;
    }
  }
  return params;
}

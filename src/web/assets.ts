/**
 * Every file the pages load, served by queuectl itself so that the dashboard works offline: its
 * own stylesheet, script and icon, and uPlot (the chart) straight from its npm package, pinned in
 * deno.json (imported as text: nothing is copied into this repository).
 * @module
 */

import uplotScript from "uplot/dist/uPlot.iife.min.js" with { type: "text" };
import uplotStyle from "uplot/dist/uPlot.min.css" with { type: "text" };
import appStyle from "./assets/app.css" with { type: "text" };
import appScript from "./assets/app.js" with { type: "text" };
import favicon from "./assets/favicon.svg" with { type: "text" };

/** One served file. */
export interface Asset {
  body: string;
  type: string;
  /** A hash of its content: pages link `?v=<hash>`, so it can be cached for good. */
  hash: string;
}

/**
 * FNV-1a, 32 bits, as 8 hex digits: enough to tell two versions of a file apart.
 * @param text The content.
 * @returns The hash.
 */
export function contentHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

function asset(body: string, type: string): Asset {
  return { body, type, hash: contentHash(body) };
}

/** The files, by name under `/assets/`. */
export const ASSETS: Record<string, Asset> = {
  "app.css": asset(appStyle, "text/css; charset=utf-8"),
  "app.js": asset(appScript, "text/javascript; charset=utf-8"),
  "uplot.css": asset(uplotStyle, "text/css; charset=utf-8"),
  "uplot.js": asset(uplotScript, "text/javascript; charset=utf-8"),
  "favicon.svg": asset(favicon, "image/svg+xml"),
};

/**
 * The URL of an asset, with its hash.
 * @param name The file's name, e.g. `app.css`.
 * @returns e.g. `/assets/app.css?v=1a2b3c4d`.
 */
export function assetUrl(name: keyof typeof ASSETS): string {
  return `/assets/${name}?v=${ASSETS[name]!.hash}`;
}

/**
 * Answers a request for an asset.
 * @param name The file's name.
 * @param request The request (for `If-None-Match`).
 * @param url Its URL (a matching `?v=` makes it immutable).
 * @returns The response, or `undefined` for an unknown name.
 */
export function assetResponse(name: string, request: Request, url: URL): Response | undefined {
  const file = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!file) return undefined;
  const etag = `"${file.hash}"`;
  const cache = url.searchParams.get("v") === file.hash
    ? "public, max-age=31536000, immutable"
    : "no-cache";
  const headers = { "content-type": file.type, "cache-control": cache, etag };
  if (request.headers.get("if-none-match") === etag) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(request.method === "HEAD" ? null : file.body, { headers });
}

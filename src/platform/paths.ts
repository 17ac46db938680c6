/**
 * POSIX path helpers. queuectl avoids `node:path` here because loading Node compatibility adds
 * milliseconds to every command's start, and `queuectl enqueue` should start as fast as Deno.
 * @module
 */

/**
 * Joins path segments with `/` and normalises the result.
 * @param parts Segments; an empty one is skipped.
 * @returns The joined path.
 * @example
 * ```ts
 * join("/home/ada", "queue", "journal.jsonl"); // "/home/ada/queue/journal.jsonl"
 * ```
 */
export function join(...parts: string[]): string {
  return normalize(parts.filter((part) => part.length > 0).join("/"));
}

/**
 * Resolves `path` against `base` unless it is absolute, then normalises it.
 * @param base An absolute directory.
 * @param path A path.
 * @returns An absolute path.
 */
export function resolve(base: string, path: string): string {
  return normalize(isAbsolute(path) ? path : `${base}/${path}`);
}

/**
 * Whether `path` starts at the root.
 * @param path A path.
 * @returns `true` for `/…`.
 */
export function isAbsolute(path: string): boolean {
  return path.startsWith("/");
}

/**
 * The directory part of a path.
 * @param path A path.
 * @returns Everything before the last segment (`/` for a top-level entry, `.` for a bare name).
 */
export function dirname(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const slash = trimmed.lastIndexOf("/");
  if (slash < 0) return ".";
  return slash === 0 ? "/" : trimmed.slice(0, slash);
}

/**
 * The last segment of a path.
 * @param path A path.
 * @returns The name.
 */
export function basename(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/**
 * Collapses `//`, `.` and `..` segments.
 * @param path A path.
 * @returns The normalised path.
 */
export function normalize(path: string): string {
  const absolute = path.startsWith("/");
  const out: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
      continue;
    }
    out.push(segment);
  }
  const joined = out.join("/");
  return absolute ? `/${joined}` : joined || ".";
}

/**
 * The file system path of a `file:` URL.
 * @param url A `file:` URL.
 * @returns The path.
 */
export function fromFileUrl(url: URL | string): string {
  const parsed = typeof url === "string" ? new URL(url) : url;
  if (parsed.protocol !== "file:") throw new TypeError(`Not a file URL: ${parsed.href}`);
  return decodeURIComponent(parsed.pathname);
}

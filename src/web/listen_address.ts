/**
 * The address the dashboard listens on: `HOST:PORT` as the user gives it, whether it is loopback
 * (only then may the dashboard run without a token), and the `--allow-net` value that grants it.
 * @module
 */

import { ValidationError } from "../errors.ts";

/** Where the dashboard listens when `--listen` is not given. */
export const DEFAULT_LISTEN = "127.0.0.1:7070";

/** A parsed listen address. */
export interface ListenAddress {
  /** The host as `Deno.serve` takes it: `127.0.0.1`, `::1`, `localhost`, `0.0.0.0`. */
  hostname: string;
  /** 0 asks the system for a free port. */
  port: number;
  /** Whether only this machine can connect. */
  loopback: boolean;
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * Parses `HOST:PORT` (an IPv6 host in brackets: `[::1]:7070`).
 * @param text The address.
 * @returns The address.
 * @throws {ValidationError} naming what is wrong.
 * @example
 * ```ts
 * parseListenAddress("127.0.0.1:7070"); // { hostname: "127.0.0.1", port: 7070, loopback: true }
 * ```
 */
export function parseListenAddress(text: string): ListenAddress {
  const bad = (why: string) =>
    new ValidationError(`Option --listen must be HOST:PORT (e.g. ${DEFAULT_LISTEN}): ${why}`);
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!match) throw bad(`got "${text}"`);
  const hostname = (match[1] ?? match[2]!).toLowerCase();
  const port = Number(match[3]);
  if (port > 65535) throw bad(`port ${port} is above 65535`);
  if (match[1] !== undefined) {
    if (!isIpv6(hostname)) throw bad(`"${hostname}" is not an IPv6 address`);
  } else {
    const v4 = IPV4.exec(hostname);
    if (v4 ? v4.slice(1).some((n) => Number(n) > 255) : !HOSTNAME.test(hostname)) {
      throw bad(`"${hostname}" is not a host name or an IP address`);
    }
  }
  return { hostname, port, loopback: isLoopbackHost(hostname) };
}

function isIpv6(text: string): boolean {
  try {
    new URL(`http://[${text}]/`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a host is this machine only: `localhost`, `127.0.0.0/8` or `::1`.
 * @param hostname A host name or address (IPv6 without brackets).
 * @returns `true` for loopback.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true;
  if (host.includes(":")) {
    try {
      return new URL(`http://[${host}]/`).hostname === "[::1]";
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * The host part of an address as a URL or `--allow-net` writes it (IPv6 in brackets).
 * @param hostname The host.
 * @param port The port.
 * @returns e.g. `127.0.0.1:7070`, `[::1]:7070`.
 */
export function hostPort(hostname: string, port: number): string {
  return `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
}

/**
 * The URL to print for the dashboard: an address that listens on every interface is shown as
 * this machine's loopback address, which always reaches it.
 * @param hostname The host it listens on.
 * @param port The port it got.
 * @returns e.g. `http://127.0.0.1:7070/`.
 */
export function dashboardUrl(hostname: string, port: number): string {
  const shown = hostname === "0.0.0.0" ? "127.0.0.1" : hostname === "::" ? "::1" : hostname;
  return `http://${hostPort(shown, port)}/`;
}

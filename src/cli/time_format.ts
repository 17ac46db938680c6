/**
 * Times as people read them in tables and `show`: local time with its UTC offset, and spans
 * relative to now ("3m 5s ago", "in 2h"). Pure: the clock and the offset are parameters. `--json`
 * never goes through here; it prints ISO 8601 UTC.
 * @module
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Units from the largest, as `formatSpan` names them. */
const UNITS: [number, string][] = [[DAY, "d"], [HOUR, "h"], [MINUTE, "m"], [SECOND, "s"]];

/**
 * A length of time in its two largest units, the smaller one cut (not rounded) and left out
 * when zero.
 * @param ms Milliseconds; the sign is ignored.
 * @returns e.g. `45s`, `3m 5s`, `1h 59m`, `2d`, `0s` under a second.
 * @example
 * ```ts
 * formatSpan(3 * 60_000 + 5_400); // "3m 5s"
 * ```
 */
export function formatSpan(ms: number): string {
  let rest = Math.floor(Math.abs(ms) / SECOND) * SECOND;
  const parts: string[] = [];
  for (const [size, name] of UNITS) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (parts.length > 0) {
      if (n > 0) parts.push(`${n}${name}`);
      break;
    }
    if (n > 0) parts.push(`${n}${name}`);
  }
  return parts.length === 0 ? "0s" : parts.join(" ");
}

/**
 * A moment relative to now.
 * @param ms The moment, epoch milliseconds.
 * @param nowMs The current time, epoch milliseconds.
 * @returns `now` within a second, else e.g. `3m 5s ago` or `in 1h 59m`.
 * @example
 * ```ts
 * relativeTime(Date.parse("2026-01-01T12:00:00Z"), Date.parse("2026-01-01T10:00:01Z")); // "in 1h 59m"
 * ```
 */
export function relativeTime(ms: number, nowMs: number): string {
  const delta = ms - nowMs;
  if (Math.abs(delta) < SECOND) return "now";
  return delta < 0 ? `${formatSpan(delta)} ago` : `in ${formatSpan(delta)}`;
}

/**
 * This machine's offset from UTC at a moment, as the `TZ` environment variable or the system
 * sets it (daylight saving time included).
 * @param ms The moment, epoch milliseconds.
 * @returns Minutes east of UTC, e.g. 330 for India.
 */
export function localOffsetMinutes(ms: number): number {
  return -new Date(ms).getTimezoneOffset();
}

/**
 * A moment as local wall-clock time with its UTC offset, to the second.
 * @param ms The moment, epoch milliseconds.
 * @param offsetMinutes Minutes east of UTC (default: this machine's at that moment).
 * @returns e.g. `2026-01-01 17:30:00 +05:30`.
 * @example
 * ```ts
 * localTime(Date.parse("2026-01-01T12:00:00Z"), 330); // "2026-01-01 17:30:00 +05:30"
 * ```
 */
export function localTime(ms: number, offsetMinutes: number = localOffsetMinutes(ms)): string {
  const wall = new Date(ms + offsetMinutes * MINUTE).toISOString();
  const minutes = Math.round(Math.abs(offsetMinutes));
  const sign = offsetMinutes < 0 && minutes > 0 ? "-" : "+";
  const zone = `${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
  return `${wall.slice(0, 10)} ${wall.slice(11, 19)} ${zone}`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * An ISO time for a table cell, relative to now.
 * @param iso An ISO 8601 string, or null.
 * @param nowMs The current time, epoch milliseconds.
 * @returns e.g. `3m 5s ago`, or `-` for null or an unreadable time.
 */
export function relativeCell(iso: string | null, nowMs: number): string {
  const ms = iso === null ? NaN : Date.parse(iso);
  return Number.isNaN(ms) ? "-" : relativeTime(ms, nowMs);
}

/**
 * An ISO time for `show`: local time with offset, and how long ago or ahead it is.
 * @param iso An ISO 8601 string, or null.
 * @param nowMs The current time, epoch milliseconds.
 * @param offsetMinutes Minutes east of UTC (default: this machine's at that moment).
 * @returns e.g. `2026-01-01 17:30:00 +05:30 (in 2h)`, or `-` for null or an unreadable time.
 */
export function localTimeWithHint(
  iso: string | null,
  nowMs: number,
  offsetMinutes?: number,
): string {
  const ms = iso === null ? NaN : Date.parse(iso);
  if (Number.isNaN(ms)) return "-";
  const local = offsetMinutes === undefined ? localTime(ms) : localTime(ms, offsetMinutes);
  return `${local} (${relativeTime(ms, nowMs)})`;
}

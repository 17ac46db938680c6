import assert from "node:assert/strict";
import {
  formatSpan,
  localTime,
  localTimeWithHint,
  relativeCell,
  relativeTime,
} from "../../src/cli/time_format.ts";

const NOW = Date.parse("2026-03-10T12:00:00.000Z");
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

Deno.test("formatSpan() names a length in its two largest units, cutting the rest", () => {
  const table: [number, string][] = [
    [0, "0s"],
    [999, "0s"],
    [S, "1s"],
    [59 * S + 999, "59s"],
    [M, "1m"],
    [3 * M + 5 * S + 900, "3m 5s"],
    [59 * M + 59 * S, "59m 59s"],
    [H, "1h"],
    [2 * H - 1, "1h 59m"],
    [H + 59 * S, "1h"],
    [25 * H, "1d 1h"],
    [2 * D + 5 * M, "2d"],
    [400 * D + 3 * H, "400d 3h"],
    [-(3 * M), "3m"],
  ];
  for (const [ms, expected] of table) assert.equal(formatSpan(ms), expected, `${ms} ms`);
});

Deno.test("relativeTime() says 'ago' for the past, 'in' for the future and 'now' within a second", () => {
  const table: [number, string][] = [
    [NOW, "now"],
    [NOW - 999, "now"],
    [NOW + 999, "now"],
    [NOW - 3 * M - 5 * S, "3m 5s ago"],
    [NOW + 2 * H, "in 2h"],
    [NOW + 2 * H - S, "in 1h 59m"],
    [NOW - 8 * D, "8d ago"],
  ];
  for (const [ms, expected] of table) assert.equal(relativeTime(ms, NOW), expected);
});

Deno.test("localTime() shows wall-clock time in the given offset and names the offset", () => {
  const table: [string, number, string][] = [
    ["2026-03-10T12:00:00.000Z", 0, "2026-03-10 12:00:00 +00:00"],
    ["2026-03-10T12:00:00.999Z", 330, "2026-03-10 17:30:00 +05:30"],
    ["2026-03-10T02:00:00.000Z", -300, "2026-03-09 21:00:00 -05:00"],
    ["2026-12-31T23:30:00.000Z", 60, "2027-01-01 00:30:00 +01:00"],
    ["2026-03-10T12:00:00.000Z", -570, "2026-03-10 02:30:00 -09:30"],
  ];
  for (const [iso, offset, expected] of table) {
    assert.equal(localTime(Date.parse(iso), offset), expected);
  }
});

Deno.test("relativeCell() and localTimeWithHint() print '-' for a missing or unreadable time", () => {
  assert.equal(relativeCell(null, NOW), "-");
  assert.equal(relativeCell("not a time", NOW), "-");
  assert.equal(relativeCell("2026-03-10T11:59:00.000Z", NOW), "1m ago");
  assert.equal(localTimeWithHint(null, NOW), "-");
  assert.equal(
    localTimeWithHint("2026-03-10T14:00:00.000Z", NOW, 60),
    "2026-03-10 15:00:00 +01:00 (in 2h)",
  );
});

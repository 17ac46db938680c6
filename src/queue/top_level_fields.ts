/**
 * Reads chosen top-level fields of a JSON object line without parsing the rest: nested objects
 * and arrays are skipped, strings are walked with their escapes, so a field can never be found
 * inside a value. For `status`, which needs two or three fields of each of a million lines.
 * @module
 */

/**
 * Walks the top-level fields of a JSON object line from index `from` and stores the wanted ones
 * in `out`, stopping as soon as all are there. Fields passed and not wanted are not kept: ask
 * for fields in the order the line has them, and call again from the returned index for more.
 * @param line A JSON object, e.g. a journal record.
 * @param wanted Names of the fields.
 * @param out Where values go: strings unquoted and unescaped, other scalars as JSON text.
 * @param from Where to start: 1 for a new line, or what a previous call returned.
 * @param until Stop once this field is read, even if some wanted ones were not found (a field
 *   that, when present, comes before it).
 * @returns The index the walk stopped at.
 * @example
 * ```ts
 * const out = new Map<string, string>();
 * readFields('{"op":"claim","env":{"op":"x"},"id":"j1"}', ["op", "id"], out, 1);
 * // out: Map { "op" => "claim", "id" => "j1" }
 * ```
 */
export function readFields(
  line: string,
  wanted: readonly string[],
  out: Map<string, string>,
  from: number,
  until?: string,
): number {
  const length = line.length;
  let missing = wanted.length;
  let i = from;
  while (missing > 0 && i > 0 && i < length) {
    const keyStart = line.indexOf('"', i);
    if (keyStart < 0) break;
    const keyEnd = stringEnd(line, keyStart);
    const key = line.slice(keyStart + 1, keyEnd);
    const keep = wanted.includes(key);
    i = keyEnd + 2; // past `":`
    const c = line.charCodeAt(i);
    let valueEnd: number;
    if (c === 34 /* " */) {
      valueEnd = stringEnd(line, i) + 1;
      if (keep) {
        const raw = line.slice(i + 1, valueEnd - 1);
        out.set(key, raw.includes("\\") ? JSON.parse(line.slice(i, valueEnd)) : raw);
      }
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      valueEnd = nestedEnd(line, i);
    } else {
      valueEnd = i;
      while (valueEnd < length) {
        const d = line.charCodeAt(valueEnd);
        if (d === 44 /* , */ || d === 125 /* } */) break;
        valueEnd++;
      }
      if (keep) out.set(key, line.slice(i, valueEnd));
    }
    if (keep) missing--;
    i = valueEnd + 1; // past the comma
    if (key === until) break;
  }
  return i;
}

/** Index of the closing quote of the string opening at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */) i++;
    else if (c === 34) return i;
  }
  return text.length;
}

/** Index just past the object or array opening at `start`. */
function nestedEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) i = stringEnd(text, i);
    else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      if (--depth === 0) return i + 1;
    }
  }
  return text.length;
}

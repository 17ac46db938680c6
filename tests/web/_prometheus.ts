/**
 * Test helper: a strict reader of the Prometheus text format (0.0.4), to check `/metrics` by
 * parsing it back rather than by matching strings.
 * @module
 */

/** One sample line. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A parsed exposition. */
export interface Exposition {
  types: Map<string, string>;
  help: Map<string, string>;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

/**
 * Parses the text, throwing on any line that is not valid.
 * @param text The exposition.
 * @returns Types, help texts and samples.
 */
export function parsePrometheus(text: string): Exposition {
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: Sample[] = [];
  if (!text.endsWith("\n")) throw new Error("The exposition must end with a newline");
  for (const [index, line] of text.slice(0, -1).split("\n").entries()) {
    const where = `line ${index + 1}: ${line}`;
    if (line.startsWith("# TYPE ")) {
      const [name, type] = line.slice(7).split(" ");
      if (!name || !["counter", "gauge", "histogram", "summary", "untyped"].includes(type ?? "")) {
        throw new Error(`Bad TYPE, ${where}`);
      }
      if (types.has(name)) throw new Error(`Second TYPE, ${where}`);
      types.set(name, type!);
      continue;
    }
    if (line.startsWith("# HELP ")) {
      const rest = line.slice(7);
      help.set(rest.slice(0, rest.indexOf(" ")), rest.slice(rest.indexOf(" ") + 1));
      continue;
    }
    if (line.startsWith("#") || line === "") throw new Error(`Unexpected line, ${where}`);
    const name = NAME.exec(line)?.[0];
    if (!name) throw new Error(`Bad metric name, ${where}`);
    let rest = line.slice(name.length);
    const labels: Record<string, string> = {};
    if (rest.startsWith("{")) {
      rest = rest.slice(1);
      while (!rest.startsWith("}")) {
        const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)",?/.exec(rest);
        if (!label) throw new Error(`Bad label, ${where}`);
        labels[label[1]!] = label[2]!.replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
        rest = rest.slice(label[0].length);
      }
      rest = rest.slice(1);
    }
    const value = /^ (\S+)$/.exec(rest)?.[1];
    if (value === undefined) throw new Error(`Bad value, ${where}`);
    const number = value === "+Inf" ? Infinity : value === "-Inf" ? -Infinity : Number(value);
    if (Number.isNaN(number) && value !== "NaN") throw new Error(`Bad number, ${where}`);
    const family = name.replace(/_(bucket|sum|count)$/, "");
    if (!types.has(name) && !(types.get(family) === "histogram")) {
      throw new Error(`Sample before its TYPE, ${where}`);
    }
    samples.push({ name, labels, value: number });
  }
  return { types, help, samples };
}

/**
 * The value of one sample.
 * @param exposition The parsed text.
 * @param name The sample's name.
 * @param labels Its labels (all of them).
 * @returns The value, or `undefined`.
 */
export function sampleValue(
  exposition: Exposition,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  const key = JSON.stringify(Object.entries(labels).sort());
  return exposition.samples.find((s) =>
    s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === key
  )?.value;
}

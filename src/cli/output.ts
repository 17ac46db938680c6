/**
 * Everything the CLI prints goes through here: data on stdout, messages on stderr, aligned
 * tables, and colour only on a terminal when `NO_COLOR` is not set.
 * @module
 */

/** The styles the CLI uses, as ANSI SGR codes (set, reset). */
const ANSI_STYLES = {
  bold: [1, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  magenta: [35, 39],
  blue: [34, 39],
  cyan: [36, 39],
  gray: [90, 39],
} as const;

type Style = keyof typeof ANSI_STYLES;

/** Colour for each job and worker state. */
const STATE_STYLES: Record<string, Style> = {
  pending: "cyan",
  waiting: "blue",
  processing: "yellow",
  completed: "green",
  failed: "magenta",
  dead: "red",
  canceled: "gray",
  running: "green",
  stopping: "yellow",
  stopped: "gray",
  lost: "red",
};

/** The CLI's printer. */
export class Output {
  /** Whether to colour stdout. */
  readonly color: boolean;

  constructor(color: boolean = Output.detectColor()) {
    this.color = color;
  }

  /**
   * Colour is on when stdout is a terminal and `NO_COLOR` is unset (https://no-color.org).
   * @returns Whether to colour output.
   */
  static detectColor(): boolean {
    try {
      const noColor = Deno.env.get("NO_COLOR");
      if (noColor !== undefined && noColor !== "") return false;
      return Deno.stdout.isTerminal();
    } catch {
      return false;
    }
  }

  /** Prints a line of data on stdout. */
  line(text = ""): void {
    writeLine(Deno.stdout, text);
  }

  /** Prints a value as JSON on stdout. */
  json(value: unknown): void {
    writeLine(Deno.stdout, JSON.stringify(value, null, 2));
  }

  /** Prints a message for people on stderr. */
  note(text: string): void {
    writeLine(Deno.stderr, text);
  }

  /** Prints a one-line error on stderr. */
  error(text: string): void {
    writeLine(Deno.stderr, `queuectl: ${text}`);
  }

  /** Applies a style when colour is on. */
  paint(style: Style, text: string): string {
    if (!this.color) return text;
    const [set, reset] = ANSI_STYLES[style];
    return `\x1b[${set}m${text}\x1b[${reset}m`;
  }

  /** Colours a job or worker state by its meaning. */
  state(state: string): string {
    const style = STATE_STYLES[state];
    return style ? this.paint(style, state) : state;
  }

  /**
   * Prints rows as a table with aligned columns and a dim header. Cells may carry colour codes;
   * widths are measured without them.
   * @param headers Column titles.
   * @param rows The cells, one array per row.
   */
  table(headers: string[], rows: string[][]): void {
    const widths = headers.map((h, i) =>
      Math.max(visibleLength(h), ...rows.map((row) => visibleLength(row[i] ?? "")))
    );
    const format = (cells: string[]) =>
      cells.map((cell, i) =>
        i === cells.length - 1 ? cell : cell + " ".repeat(widths[i]! - visibleLength(cell))
      ).join("  ").trimEnd();
    this.line(this.paint("bold", format(headers)));
    for (const row of rows) this.line(format(row));
  }
}

const encoder = new TextEncoder();

/**
 * Writes `text` and a newline, whole, before returning (as `console.log` does). Not through the
 * console: its formatting machinery costs a fresh process ~0.1 ms on its first line.
 */
function writeLine(stream: { writeSync(bytes: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(`${text}\n`);
  try {
    for (let written = 0; written < bytes.length;) {
      written += stream.writeSync(bytes.subarray(written));
    }
  } catch (error) {
    // Nobody reads any more (`| head -1`, a closed stderr): as the console does, drop the line,
    // and keep the exit status the command has (an error's 2 or 3 must not become 1).
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
  }
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

function visibleLength(text: string): number {
  return text.replace(ANSI, "").length;
}

/**
 * Shortens text to one line of at most `max` characters for a table cell.
 * @param text Any text.
 * @param max The width.
 * @returns The shortened text, ending in `…` when cut.
 */
export function cell(text: string | null | undefined, max = 60): string {
  if (text === null || text === undefined) return "-";
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

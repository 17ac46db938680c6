/**
 * One line of live status on a terminal, redrawn in place (carriage return, then clear the line)
 * as progress bars do. It exists only on a terminal: piped output never gets control characters.
 * @module
 */

/** Back to the start of the line and clear it (ANSI EL 2). */
const CLEAR_LINE = "\r\x1b[2K";
/** Width assumed when the terminal does not tell (e.g. under `script`). */
const DEFAULT_COLUMNS = 80;

/** Where a live line is written: a terminal, written to synchronously. */
export interface TerminalWriter {
  writeSync(bytes: Uint8Array): number;
}

/** A line redrawn in place. */
export class LiveLine {
  #writer: TerminalWriter;
  #columns: () => number;
  #shown: string | undefined;
  #encoder = new TextEncoder();

  /**
   * @param writer The terminal.
   * @param columns Its width now (a line must not wrap, or it cannot be redrawn in place).
   */
  constructor(writer: TerminalWriter, columns: () => number = terminalColumns) {
    this.#writer = writer;
    this.#columns = columns;
  }

  /**
   * A live line on stderr, if stderr is a terminal.
   * @returns The line, or `undefined` when stderr is a file or a pipe.
   */
  static onStderr(): LiveLine | undefined {
    try {
      return Deno.stderr.isTerminal() ? new LiveLine(Deno.stderr) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Replaces the line with `text`, cut to the terminal's width; does nothing if unchanged.
   * @param text One line of plain text.
   */
  show(text: string): void {
    const width = Math.max(10, this.#columns() - 1);
    const fitted = text.length > width ? `${text.slice(0, width - 1)}…` : text;
    if (fitted === this.#shown) return;
    this.#shown = fitted;
    this.#write(CLEAR_LINE + fitted);
  }

  /** Removes the line, leaving the cursor at the start of an empty line. */
  clear(): void {
    if (this.#shown === undefined) return;
    this.#shown = undefined;
    this.#write(CLEAR_LINE);
  }

  #write(text: string): void {
    const bytes = this.#encoder.encode(text);
    let written = 0;
    while (written < bytes.length) written += this.#writer.writeSync(bytes.subarray(written));
  }
}

function terminalColumns(): number {
  try {
    return Deno.consoleSize().columns || DEFAULT_COLUMNS;
  } catch {
    return DEFAULT_COLUMNS;
  }
}

/**
 * HTML built by a tagged template that escapes every interpolated value, so that nothing a job
 * prints or a user typed can become markup: `html\`<td>${job.command}</td>\``. Only values that
 * are themselves {@linkcode Html} (made by `html` or {@linkcode trustedHtml}) go in as they are.
 * @module
 */

/** A piece of HTML that is safe to put in a page as it is. */
export class Html {
  /** The markup. */
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  /** The markup, so that `String(html…)` gives the page. */
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for HTML content and for quoted attribute values.
 * @param text Any text.
 * @returns The text with `& < > " '` replaced by entities.
 * @example
 * ```ts
 * escapeHtml(`<script>alert("x")</script>`); // "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** What a template may interpolate: arrays are joined, `null`, `undefined` and `false` vanish. */
export type HtmlValue = Html | string | number | boolean | null | undefined | HtmlValue[];

function render(value: HtmlValue): string {
  if (value instanceof Html) return value.value;
  if (value === null || value === undefined || value === false) return "";
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

/**
 * The tagged template: the literal parts are markup, every value is escaped (unless it is
 * {@linkcode Html}).
 * @param strings The literal parts.
 * @param values The interpolated values.
 * @returns The HTML.
 * @example
 * ```ts
 * const cell = html`<td title="${command}">${command}</td>`;
 * ```
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/**
 * Marks markup as safe without escaping it: only for text that comes from queuectl itself.
 * @param markup The markup.
 * @returns It, as {@linkcode Html}.
 */
export function trustedHtml(markup: string): Html {
  return new Html(markup);
}

/**
 * Data for the page's script, as a `<script type="application/json">` element: not executed,
 * and `<`, `>`, `&` and the JavaScript line separators are escaped so that no value can close the
 * element.
 * @param id The element's id.
 * @param data Any JSON value.
 * @returns The element.
 */
export function jsonScript(id: string, data: unknown): Html {
  const json = JSON.stringify(data).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return html`<script type="application/json" id="${id}">${trustedHtml(json)}</script>`;
}

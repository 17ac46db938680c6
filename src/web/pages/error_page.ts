/**
 * The page of a refusal or an error: its status and one line, escaped like everything else.
 * @module
 */

import { html } from "../html.ts";
import type { Page } from "./layout.ts";

const TITLES: Record<number, string> = {
  400: "Bad request",
  401: "Access token needed",
  403: "Refused",
  404: "Not found",
  405: "Method not allowed",
  409: "Not possible now",
  421: "Wrong address",
  500: "Something went wrong",
};

/**
 * A page saying what went wrong.
 * @param status The HTTP status.
 * @param message One line.
 * @returns The page.
 */
export function errorPage(status: number, message: string): Page {
  const title = TITLES[status] ?? "Error";
  return {
    title,
    section: "none",
    status,
    body: html`
      <div class="error-page panel">
        <h1>${title}</h1>
        <p>${message}</p>
        <p><a href="/">Back to the overview</a></p>
      </div>
    `,
  };
}

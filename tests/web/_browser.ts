/**
 * Test helper: a real headless Chromium (Debian's `chromium`), driven by playwright-core, with a
 * fresh profile per launch. Browser tests are skipped, visibly, where /usr/bin/chromium is missing
 * (`.ci/run` installs it).
 * @module
 */

import type { Browser } from "playwright-core";

/** Where Debian's package puts Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether Chromium is installed. */
export const hasChromium: boolean = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();

/**
 * A test's name, saying why it is skipped when it is.
 * @param name What the test checks.
 * @returns The name to give `Deno.test`.
 */
export function browserTestName(name: string): string {
  return hasChromium ? name : `${name} (SKIPPED: ${CHROMIUM} is missing; apt-get install chromium)`;
}

/**
 * Launches Chromium (its own temporary profile, no network of its own besides what pages ask),
 * runs `body`, and closes it.
 * @param body What to do with the browser.
 */
export async function withBrowser(body: (browser: Browser) => Promise<void>): Promise<void> {
  // playwright-core checks at load whether it runs under WSL by looking at a /proc file, which
  // Deno grants only to --allow-all; this variable makes it skip that check (it only matters to
  // opening URLs in a desktop browser, which the tests never do).
  Deno.env.set("__IS_WSL_TEST__", "1");
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--headless",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    await body(browser);
  } finally {
    await browser.close();
  }
}

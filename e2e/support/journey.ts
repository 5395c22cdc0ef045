import { test as base, expect, type BrowserContext } from "@playwright/test";

export { expect };
export type { Locator, Page } from "@playwright/test";

const marker = "[csp-violation]";

/**
 * Makes every Content-Security-Policy violation in a context's pages (and their frames) a console
 * error the journey can see: the browser's own "Refused to…" lines do not reach Playwright.
 * Returns the violations seen so far.
 */
export async function watchContentSecurityPolicy(context: BrowserContext): Promise<string[]> {
  const violations: string[] = [];
  await context.addInitScript((prefix) => {
    document.addEventListener("securitypolicyviolation", (event) => {
      console.error(`${prefix} ${event.effectiveDirective} blocked ${event.blockedURI || "inline"} on ${event.documentURI}`);
    });
  }, marker);
  context.on("console", (message) => {
    if (message.type() === "error" && message.text().startsWith(marker)) violations.push(message.text().slice(marker.length + 1));
  });
  return violations;
}

/** Every journey's test: the app must work under its CSP, so any violation fails the journey. */
export const test = base.extend({
  context: async ({ context }, provide) => {
    const violations = await watchContentSecurityPolicy(context);
    await provide(context);
    expect(violations, "Content-Security-Policy violations").toEqual([]);
  },
});

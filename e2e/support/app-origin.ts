import type { Page } from "@playwright/test";

/**
 * Headers that make a `page.request` change look like the app's own page made it. Playwright's API
 * client sends the page's cookies but no Origin, which the server refuses for cookie-signed
 * changes (server/auth/request-origin.ts), as it would a script holding the cookie.
 */
export function fromTheAppPage(page: Page): Record<string, string> {
  return { origin: new URL(page.url()).origin };
}

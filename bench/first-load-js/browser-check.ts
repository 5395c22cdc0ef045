/**
 * The same figure measured the other way: load each page in Debian's Chromium with an empty cache
 * and add up the encoded (on-the-wire, gzip) sizes of every script response. Needs a running
 * production server (`node dist/server.js`) built from the same `.next`.
 */
import { chromium, type BrowserContext } from "@playwright/test";
import { chromiumArgs, chromiumExecutable } from "../../e2e/support/chromium";

export interface BrowserFirstLoad {
  route: string;
  url: string;
  scripts: { url: string; encodedBytes: number; decodedBytes: number }[];
  encodedBytes: number;
  /** Equal to encodedBytes when the server did not compress. */
  decodedBytes: number;
}


/** `routes` are App Router patterns; dynamic ones other than /agents/[id] are skipped (no way to make a URL for them). */
export async function measureInBrowser(baseUrl: string, routes: { route: string; page: string }[]): Promise<BrowserFirstLoad[]> {
  const browser = await chromium.launch({ executablePath: chromiumExecutable, args: chromiumArgs });
  try {
    const guest = await signedInGuest(await browser.newContext({ baseURL: baseUrl }));
    const guestState = await guest.context.storageState();
    await guest.context.close();

    const results: BrowserFirstLoad[] = [];
    for (const { route, page: appPage } of routes) {
      const url = route.replace("[id]", guest.agentId);
      if (url.includes("[")) {
        console.error(`[first-load-js] browser check skips ${route}: no concrete URL for it`);
        continue;
      }
      // The (auth) pages are for signed-out people (signed-in ones are sent on); the rest need a session.
      const signedOut = appPage.includes("/(auth)/");
      const context = await browser.newContext({ baseURL: baseUrl, ...(signedOut ? {} : { storageState: guestState }) });
      results.push({ route, url, ...(await scriptBytes(context, url)) });
      await context.close();
    }
    return results;
  } finally {
    await browser.close();
  }
}

async function signedInGuest(context: BrowserContext): Promise<{ context: BrowserContext; agentId: string }> {
  const page = await context.newPage();
  await page.goto("/sign-in");
  await page.getByRole("button", { name: "Continue as guest" }).click();
  await page.waitForURL((url) => url.pathname === "/");
  const created = await page.request.post("/api/agents", { data: { name: "First-load benchmark" } });
  if (!created.ok()) throw new Error(`creating an agent for /agents/[id] failed: ${created.status()} ${await created.text()}`);
  const { agent } = (await created.json()) as { agent: { id: string } };
  return { context, agentId: agent.id };
}

async function scriptBytes(context: BrowserContext, url: string): Promise<Omit<BrowserFirstLoad, "route" | "url">> {
  const page = await context.newPage();
  await page.goto(url, { waitUntil: "load" });
  // Chunks a page requests straight after hydration count too: wait for the network to settle.
  await page.waitForLoadState("networkidle").catch(() => undefined);
  const scripts = await page.evaluate(() =>
    performance
      .getEntriesByType("resource")
      .map((entry) => entry as PerformanceResourceTiming)
      .filter((entry) => entry.initiatorType === "script" || new URL(entry.name).pathname.endsWith(".js"))
      .map((entry) => ({ url: new URL(entry.name).pathname, encodedBytes: entry.encodedBodySize, decodedBytes: entry.decodedBodySize })),
  );
  await page.close();
  return {
    scripts,
    encodedBytes: scripts.reduce((total, script) => total + script.encodedBytes, 0),
    decodedBytes: scripts.reduce((total, script) => total + script.decodedBytes, 0),
  };
}

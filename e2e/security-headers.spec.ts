import { expect, test } from "./support/journey";
import { signInAsGuest } from "./support/auth-pages";
import { fromTheAppPage } from "./support/app-origin";

/*
 * Every page route is served with its security headers (proxy.ts): a CSP whose script nonce is
 * new on every request, no framing, nosniff, and a Referrer-Policy that keeps share tokens home.
 */

function nonceOf(csp: string | undefined): string | undefined {
  return csp?.match(/script-src 'self' 'nonce-([^']+)' 'strict-dynamic'/)?.[1];
}

test("every page carries the security headers, with a fresh script nonce each time", async ({ page }) => {
  await signInAsGuest(page);
  const created = await page.request.post("/api/agents", { data: { name: "Headers" }, headers: fromTheAppPage(page) });
  expect(created.status()).toBe(201);
  const { agent } = (await created.json()) as { agent: { id: string } };

  const nonces = new Set<string>();
  for (const path of ["/sign-in", "/", `/agents/${agent.id}`, "/share/aaaaaaaaaaaaaaaaaaaaaa", "/", "/no-such-page"]) {
    const response = await page.request.get(path, { maxRedirects: 0 });
    const headers = response.headers();
    const csp = headers["content-security-policy"];
    expect(csp, path).toContain("object-src 'none'");
    expect(csp, path).toContain("base-uri 'self'");
    expect(csp, path).toContain("frame-ancestors 'none'");
    const nonce = nonceOf(csp);
    expect(nonce, `${path}: ${csp}`).toBeTruthy();
    nonces.add(nonce!);
    if (response.status() === 200) expect(await response.text(), path).toContain(`nonce="${nonce}"`);
    expect(headers["x-frame-options"], path).toBe("DENY");
    expect(headers["x-content-type-options"], path).toBe("nosniff");
    expect(headers["referrer-policy"], path).toBe(path.startsWith("/share/") ? "no-referrer" : "strict-origin-when-cross-origin");
    // This server's AUTH_URL is plain http: no HSTS, or the next plain-http visit would be refused.
    expect(headers["strict-transport-security"], path).toBeUndefined();
  }
  expect(nonces.size).toBe(6);
});

import { describe, expect, it } from "vitest";
import { pageSecurityHeaders } from "@/server/http/page-security-headers";

const base = { nonce: "bm9uY2U=", filesOrigin: undefined, development: false };

describe("page security headers", () => {
  it("sends HSTS only when the app's public URL is https", () => {
    expect(pageSecurityHeaders({ ...base, pathname: "/", appUrl: new URL("https://desk.example") })["Strict-Transport-Security"]).toMatch(/max-age=\d+/);
    expect(pageSecurityHeaders({ ...base, pathname: "/", appUrl: new URL("http://localhost:3000") })["Strict-Transport-Security"]).toBeUndefined();
    expect(pageSecurityHeaders({ ...base, pathname: "/", appUrl: undefined })["Strict-Transport-Security"]).toBeUndefined();
  });

  it("lets a page frame only its own origin and FILES_ORIGIN, and never eval in production", () => {
    const csp = pageSecurityHeaders({ ...base, pathname: "/agents/x", appUrl: undefined, filesOrigin: "http://localhost:3001" })["Content-Security-Policy"];
    expect(csp).toContain("frame-src 'self' http://localhost:3001");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).toContain("script-src 'self' 'nonce-bm9uY2U=' 'strict-dynamic'");
  });
});

import { NextResponse, type NextRequest } from "next/server";
import { getAuthConfig } from "./server/auth/auth-config";
import { signInUrlFor } from "./server/auth/callback-url";
import { guestClaimsExpired, readSessionCookie } from "./server/auth/session-claims";
import { loadConfig } from "./server/config";
import { newNonce, pageSecurityHeaders } from "./server/http/page-security-headers";

// Pages anyone may open: signing in, and shared links (their token is the credential).
function isPublicPage(pathname: string): boolean {
  return /^\/(sign-in|share)(\/|$)/.test(pathname);
}

/**
 * Every page: its security headers (a fresh CSP nonce that Next.js puts on its own scripts), and
 * signed-out people sent to /sign-in and back afterwards. The sign-in check is optimistic only (a
 * valid, unexpired session cookie, no store round trip): pages and REST handlers still resolve the
 * user through the store. API routes answer for themselves (401 JSON), so scripts never get a redirect.
 */
export async function proxy(request: NextRequest): Promise<NextResponse> {
  const { pathname, search } = request.nextUrl;
  const auth = getAuthConfig();
  if (!isPublicPage(pathname)) {
    const claims = await readSessionCookie(request.headers.get("cookie"), auth);
    if (!claims || guestClaimsExpired(claims)) return NextResponse.redirect(new URL(signInUrlFor(`${pathname}${search}`), request.url));
  }
  const nonce = newNonce();
  const config = loadConfig();
  const headers = pageSecurityHeaders({ pathname, nonce, appUrl: auth.url, filesOrigin: config.FILES_ORIGIN, development: config.NODE_ENV === "development" });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", headers["Content-Security-Policy"]!);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

export const config = {
  // Pages only: the API, health, Socket.IO, Next's assets and files with an extension answer for themselves.
  matcher: ["/((?!api/|health|socket\\.io|_next/|.*\\.[A-Za-z0-9]+).*)"],
};

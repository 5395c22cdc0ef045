import { NextResponse, type NextRequest } from "next/server";
import { getAuthConfig } from "./server/auth/auth-config";
import { signInUrlFor } from "./server/auth/callback-url";
import { guestClaimsExpired, readSessionCookie } from "./server/auth/session-claims";

/**
 * Sends signed-out people to /sign-in and back afterwards. An optimistic check only (a valid,
 * unexpired session cookie, no store round trip): pages and REST handlers still resolve the user
 * through the store. API routes answer for themselves (401 JSON), so scripts never get a redirect.
 */
export async function proxy(request: NextRequest): Promise<NextResponse> {
  const claims = await readSessionCookie(request.headers.get("cookie"), getAuthConfig());
  if (claims && !guestClaimsExpired(claims)) return NextResponse.next();
  const { pathname, search } = request.nextUrl;
  return NextResponse.redirect(new URL(signInUrlFor(`${pathname}${search}`), request.url));
}

export const config = {
  // Public: sign-in, the API (handlers check credentials), shared links, health, Next's assets, files with an extension.
  matcher: ["/((?!sign-in|api/|share|health|socket\\.io|_next/|.*\\.[A-Za-z0-9]+).*)"],
};

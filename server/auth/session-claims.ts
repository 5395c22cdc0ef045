import { getToken } from "next-auth/jwt";
import { z } from "zod";
import { recordIdSchema, userTypeSchema, type UserType } from "../../lib/records";
import type { AuthConfig } from "./auth-config";

/**
 * What our Auth.js session JWT carries besides Auth.js's own name/email/picture. A guest's token
 * also names its store GuestSession, so expiry and sign-out are enforced by the store, the same
 * way as for a session id sent as a Bearer token.
 */
export const sessionClaimsSchema = z.object({
  userId: recordIdSchema,
  userType: userTypeSchema,
  guestSessionId: recordIdSchema.optional(),
  /** Copied from the GuestSession so proxy.ts can turn expired guests away without the store. */
  guestExpiresAt: z.iso.datetime().optional(),
  /** One per Google sign-in, kept as Auth.js refreshes the token: sign-out ends that sign-in's sockets. */
  signInId: z.string().min(8).max(100).optional(),
  /** When Auth.js lets the token lapse (seconds since 1970, the JWT's own claim). */
  exp: z.number().optional(),
});
export type SessionClaims = z.infer<typeof sessionClaimsSchema>;

/** Who is making a request, once their credentials were checked. */
export interface AuthenticatedUser {
  userId: string;
  userType: UserType;
  /** Set for guests: the store session their cookie or Bearer token stands for. */
  guestSessionId?: string;
  /** Which sign-in this is (session-end-hooks.ts), when one can be named, and when it lapses (ms). */
  session?: { key?: string; expiresAt?: number };
}

export function sessionClaimsOf(token: unknown): SessionClaims | null {
  const parsed = sessionClaimsSchema.safeParse(token);
  if (!parsed.success) return null;
  const claims = parsed.data;
  if (claims.userType === "guest" && !claims.guestSessionId) return null;
  return claims;
}

/**
 * Reads and decrypts the Auth.js session cookie from a Cookie header. Works outside a Next
 * request (the Socket.IO handshake), which `auth()` does not. Only the cookie is passed on:
 * getToken would otherwise also accept a JWT as a Bearer token, and our Bearer tokens are
 * guest session ids.
 */
export async function readSessionCookie(cookieHeader: string | null | undefined, config: AuthConfig): Promise<SessionClaims | null> {
  if (!cookieHeader) return null;
  const token = await getToken({
    req: { headers: { cookie: cookieHeader } },
    secret: config.secret,
    secureCookie: config.secureCookie,
    // A forged or stale cookie is an ordinary "not signed in", not something to log.
    logger: { error: () => undefined, warn: () => undefined, debug: () => undefined },
  });
  return sessionClaimsOf(token);
}

export function guestClaimsExpired(claims: SessionClaims, now: Date = new Date()): boolean {
  return claims.guestExpiresAt !== undefined && Date.parse(claims.guestExpiresAt) <= now.getTime();
}

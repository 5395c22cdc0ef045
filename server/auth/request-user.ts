import { AppError } from "../../lib/errors";
import { recordIdSchema } from "../../lib/records";
import type { PlatformStore } from "../store/store";
import { getAuthDependencies, type AuthDependencies } from "./auth-dependencies";
import { assertCookieRestCallFromApp } from "./request-origin";
import { readSessionCookie, type AuthenticatedUser } from "./session-claims";
import { googleSessionKey, guestSessionKey } from "./session-end-hooks";

/** What a request or a socket handshake presented; both are optional, the Bearer token wins. */
export interface PresentedCredentials {
  /** A guest session id from POST /api/auth/guest (or the guest sign-in). */
  bearerToken?: string;
  /** The raw Cookie header, which may hold the Auth.js session cookie. */
  cookie?: string;
}

const expiredSession =
  "This session has expired or does not exist. Create a new one with POST /api/auth/guest, or sign in again.";

/**
 * The one place that decides who is calling, for REST handlers and the Socket.IO handshake alike.
 * Throws AppError("unauthorized") with a sentence saying what to send instead.
 */
export async function authenticateCredentials(credentials: PresentedCredentials, deps: AuthDependencies): Promise<AuthenticatedUser> {
  if (credentials.bearerToken !== undefined) {
    return userOfGuestSession(credentials.bearerToken, deps.store);
  }
  const claims = await readSessionCookie(credentials.cookie, deps.config);
  if (claims?.userType === "google") {
    const session = { key: claims.signInId ? googleSessionKey(claims.signInId) : undefined, expiresAt: claims.exp === undefined ? undefined : claims.exp * 1000 };
    return { userId: claims.userId, userType: "google", session };
  }
  if (claims?.guestSessionId) {
    const user = await userOfGuestSession(claims.guestSessionId, deps.store);
    // A cookie minted for one guest never speaks for another, even with our own secret.
    if (user.userId !== claims.userId) throw new AppError("unauthorized", expiredSession);
    return user;
  }
  throw new AppError(
    "unauthorized",
    carriesSessionCookie(credentials.cookie)
      ? "Your session has ended. Sign in again to continue."
      : "Sign in first: send the session cookie, or an 'Authorization: Bearer <session_id>' header with a session id from POST /api/auth/guest.",
  );
}

async function userOfGuestSession(sessionId: string, store: PlatformStore): Promise<AuthenticatedUser> {
  // Garbage never reaches the database, and answers exactly like an unknown session.
  if (!recordIdSchema.safeParse(sessionId).success) throw new AppError("unauthorized", expiredSession);
  const session = await store.findGuestSession(sessionId);
  if (!session) throw new AppError("unauthorized", expiredSession);
  return { userId: session.userId, userType: "guest", guestSessionId: session.id, session: { key: guestSessionKey(session.id), expiresAt: Date.parse(session.expiresAt) } };
}

const endedSession = "Your session has ended. Sign in again to continue.";

/**
 * Whether a session that was good at a socket's handshake still is: not past its time, and for a
 * guest still in the store (sign-out and a merge into an account delete it). Throws unauthorized.
 */
export async function assertSessionStillValid(
  user: Pick<AuthenticatedUser, "userId" | "guestSessionId" | "session">,
  deps: Pick<AuthDependencies, "store">,
  now = Date.now(),
): Promise<void> {
  if (user.session?.expiresAt !== undefined && user.session.expiresAt <= now) throw new AppError("unauthorized", endedSession);
  if (user.guestSessionId === undefined) return;
  const session = await deps.store.findGuestSession(user.guestSessionId);
  if (!session || session.userId !== user.userId) throw new AppError("unauthorized", endedSession);
}

/** Splits an Authorization header; anything but the Bearer scheme is refused rather than ignored. */
/** Whether a Cookie header holds an Auth.js session (plain or `__Secure-` prefixed), whatever its worth. */
export function carriesSessionCookie(cookie: string | undefined): boolean {
  return cookie?.includes("authjs.session-token") ?? false;
}

export function bearerTokenOf(authorization: string | null | undefined): string | undefined {
  if (authorization === null || authorization === undefined || authorization.trim() === "") return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization.trim());
  if (!match?.[1]) {
    throw new AppError("unauthorized", "The Authorization header must be 'Bearer <session_id>'.");
  }
  return match[1];
}

/** Builds the resolver over given dependencies; tests pass their own store and secret. */
export function createRequestUserResolver(getDependencies: () => Promise<AuthDependencies>) {
  return async function resolveRequestUserWith(request: Request): Promise<AuthenticatedUser> {
    const bearerToken = bearerTokenOf(request.headers.get("authorization"));
    const deps = await getDependencies();
    const cookie = request.headers.get("cookie") ?? undefined;
    // A browser attaches the cookie to whatever page asks; a bearer token is sent only on purpose.
    if (bearerToken === undefined && cookie) assertCookieRestCallFromApp(request, deps.config.url);
    return authenticateCredentials({ bearerToken, cookie }, deps);
  };
}

/**
 * Who is calling a REST endpoint: a guest session id as `Authorization: Bearer …`, else the
 * Auth.js session cookie. Every REST handler calls this first; it throws AppError("unauthorized").
 */
export const resolveRequestUser: (request: Request) => Promise<AuthenticatedUser> = createRequestUserResolver(getAuthDependencies);

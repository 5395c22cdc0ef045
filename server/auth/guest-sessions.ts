import type { GuestSession, User } from "../../lib/records";
import type { PlatformStore } from "../store/store";

/** As in the original platform: a guest keeps their session, agents and workspace for a day. */
export const guestSessionTtlMs = 24 * 60 * 60 * 1000;

export const guestDisplayName = "Guest";

export interface GuestSignIn {
  user: User;
  session: GuestSession;
}

/** Creates a guest user and the session that stands for them (cookie or Bearer token alike). */
export async function startGuestSession(store: PlatformStore): Promise<GuestSignIn> {
  const user = await store.createUser({ type: "guest", name: guestDisplayName });
  const session = await store.createGuestSession({ userId: user.id, ttlMs: guestSessionTtlMs });
  return { user, session };
}

/** The original API's response for POST /api/auth/guest, snake_case as scripts expect it. */
export function guestSessionResponseBody(session: GuestSession) {
  return { session_id: session.id, user_id: session.userId, user_type: "guest" as const, expires_at: session.expiresAt };
}

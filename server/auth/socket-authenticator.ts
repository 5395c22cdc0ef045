import type { SocketAuthenticator, SocketHandshakeInfo } from "../socket/socket-server";
import type { AuthDependencies } from "./auth-dependencies";
import { assertCookieRequestFromApp } from "./request-origin";
import { assertSessionStillValid, authenticateCredentials, bearerTokenOf } from "./request-user";
import type { SocketData } from "../../lib/socket-events";

function headerOf(headers: SocketHandshakeInfo["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join("; ") : value;
}

/**
 * Who is connecting over Socket.IO: scripts pass the guest session id as `auth: { token }` (or an
 * Authorization header), browsers send the Auth.js cookie. Anything else is refused with
 * AppError("unauthorized"), which the client sees as a connect_error with that sentence.
 */
export function createSocketAuthenticator(getDependencies: () => Promise<AuthDependencies>): SocketAuthenticator {
  return async (handshake) => {
    const token = handshake.auth.token;
    const bearerToken = typeof token === "string" && token !== "" ? token : bearerTokenOf(headerOf(handshake.headers, "authorization"));
    const deps = await getDependencies();
    // Every handshake can read live events, so a cookie-signed one from another origin is refused.
    if (bearerToken === undefined && headerOf(handshake.headers, "cookie")) {
      assertCookieRequestFromApp(
        { origin: headerOf(handshake.headers, "origin"), host: headerOf(handshake.headers, "host"), secFetchSite: headerOf(handshake.headers, "sec-fetch-site") },
        deps.config.url,
        "allow-unless-cross-site",
      );
    }
    const user = await authenticateCredentials({ bearerToken, cookie: headerOf(handshake.headers, "cookie") }, deps);
    return { userId: user.userId, userType: user.userType, guestSessionId: user.guestSessionId, sessionKey: user.session?.key, sessionExpiresAt: user.session?.expiresAt };
  };
}

/** Before each socket event: the session the handshake proved must still be good (throws unauthorized). */
export function createSocketSessionCheck(getDependencies: () => Promise<AuthDependencies>): (data: SocketData) => Promise<void> {
  return async (data) => {
    await assertSessionStillValid({ userId: data.userId, guestSessionId: data.guestSessionId, session: { expiresAt: data.sessionExpiresAt } }, await getDependencies());
  };
}

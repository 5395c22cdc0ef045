import type { SocketAuthenticator, SocketHandshakeInfo, SocketRequestCheck } from "../socket/socket-server";
import type { AuthDependencies } from "./auth-dependencies";
import { assertCookieRequestFromApp } from "./request-origin";
import { assertSessionStillValid, authenticateCredentials, bearerTokenOf, carriesSessionCookie } from "./request-user";
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
      assertCookieRequestFromApp(originHeadersOf(handshake.headers), deps.config.url, "allow-unless-cross-site");
    }
    const user = await authenticateCredentials({ bearerToken, cookie: headerOf(handshake.headers, "cookie") }, deps);
    return { userId: user.userId, userType: user.userType, guestSessionId: user.guestSessionId, sessionKey: user.session?.key, sessionExpiresAt: user.session?.expiresAt };
  };
}

function originHeadersOf(headers: SocketHandshakeInfo["headers"]) {
  return { origin: headerOf(headers, "origin"), host: headerOf(headers, "host"), secFetchSite: headerOf(headers, "sec-fetch-site") };
}

/**
 * The transport's own first request: one that carries the session cookie from another origin is
 * refused with 403 before a connection opens (polling or WebSocket), so a same-site page cannot
 * even hold one. Token clients (scripts) send no session cookie and are unaffected; the
 * authenticator below checks again at the Socket.IO handshake, where a token is known.
 */
export function createSocketRequestCheck(getDependencies: () => Promise<AuthDependencies>): SocketRequestCheck {
  return async (headers) => {
    if (!carriesSessionCookie(headerOf(headers, "cookie"))) return;
    assertCookieRequestFromApp(originHeadersOf(headers), (await getDependencies()).config.url, "allow-unless-cross-site");
  };
}

/** Before each socket event: the session the handshake proved must still be good (throws unauthorized). */
export function createSocketSessionCheck(getDependencies: () => Promise<AuthDependencies>): (data: SocketData) => Promise<void> {
  return async (data) => {
    await assertSessionStillValid({ userId: data.userId, guestSessionId: data.guestSessionId, session: { expiresAt: data.sessionExpiresAt } }, await getDependencies());
  };
}

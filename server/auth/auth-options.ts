import { randomUUID } from "node:crypto";
import type { NextAuthConfig } from "next-auth";
import { CredentialsSignin } from "@auth/core/errors";
import type { Profile } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import Google from "next-auth/providers/google";
import { AppError } from "../../lib/errors";
import { userSchema, type User } from "../../lib/records";
import { logger } from "../logger";
import type { PlatformStore } from "../store/store";
import { getAuthConfig } from "./auth-config";
import { getAuthDependencies, type AuthDependencies } from "./auth-dependencies";
import { startGuestSession } from "./guest-sessions";
import { guestLimitCode } from "../limits/guest-signups";
import { readSessionCookie, sessionClaimsOf, type SessionClaims } from "./session-claims";
import { signInPath } from "./sign-in-path";
import { notifyUserMerged } from "./user-merge-hooks";
import { googleSessionKey, guestSessionKey, notifySessionEnded } from "./session-end-hooks";

export const guestProviderId = "guest";
export const googleProviderId = "google";

/** The sign-in choices this server offers, for the sign-in page. */
export function configuredSignInProviders(): { google: boolean; guest: true } {
  return { google: Boolean(getAuthConfig().google), guest: true };
}

/**
 * The Auth.js configuration, built per request (NextAuth's lazy form) because the Google callback
 * needs the incoming request: the guest cookie it still carries names whose agents to keep.
 */
/** Auth.js passes only a credentials error's `code` on to the sign-in page; this one names the guest limit. */
class GuestLimitReached extends CredentialsSignin {
  code = guestLimitCode;
}

export function createAuthOptions(
  request: Request | undefined,
  getDependencies: () => Promise<AuthDependencies> = getAuthDependencies,
): NextAuthConfig {
  const config = getAuthConfig();
  const providers: NextAuthConfig["providers"] = [
    Credentials({
      id: guestProviderId,
      name: "Guest",
      credentials: {},
      authorize: async (_credentials, signInRequest) => {
        const { store, guestSignups } = await getDependencies();
        await guestSignups.admit(signInRequest?.headers).catch(() => {
          throw new GuestLimitReached();
        });
        const { user, session } = await startGuestSession(store);
        return { id: user.id, name: user.name, guestSessionId: session.id, guestExpiresAt: session.expiresAt };
      },
    }),
  ];
  if (config.google) {
    providers.push(
      Google({
        clientId: config.google.clientId,
        clientSecret: config.google.clientSecret,
        ...(config.google.issuer ? { issuer: config.google.issuer } : {}),
      }),
    );
  }

  return {
    secret: config.secret,
    trustHost: config.trustHost,
    useSecureCookies: config.secureCookie,
    session: { strategy: "jwt" },
    pages: { signIn: signInPath, error: signInPath },
    providers,
    logger: {
      error: (error) => logger.warn({ err: error }, "sign-in failed"),
      warn: (code) => logger.warn({ code }, "Auth.js warning"),
      debug: () => undefined,
    },
    callbacks: {
      signIn: ({ account, profile }) => account?.provider !== googleProviderId || hasVerifiedEmail(profile),
      jwt: async ({ token, user, account, profile }) => {
        if (account?.provider === guestProviderId && user?.id && user.guestSessionId) {
          const claims: SessionClaims = {
            userId: user.id,
            userType: "guest",
            guestSessionId: user.guestSessionId,
            guestExpiresAt: user.guestExpiresAt,
          };
          return { ...token, ...claims };
        }
        if (account?.provider === googleProviderId && profile) {
          const deps = await getDependencies();
          const person = await upsertGoogleUser(deps.store, profile);
          await adoptSignedInGuest(request, person.id, deps);
          const claims: SessionClaims = { userId: person.id, userType: "google", signInId: randomUUID() };
          // Built afresh so no guest claim from the previous session survives.
          return { name: person.name ?? null, email: person.email ?? null, picture: person.image ?? null, sub: person.id, ...claims };
        }
        const claims = sessionClaimsOf(token);
        if (!claims) return null;
        if (claims.guestSessionId) {
          // The store decides whether a guest is still signed in: expired, signed out and merged
          // guests lose their cookie here, exactly as their Bearer token stops working.
          const session = await (await getDependencies()).store.findGuestSession(claims.guestSessionId);
          if (!session || session.userId !== claims.userId) return null;
        }
        return token;
      },
      session: ({ session, token }) => {
        const claims = sessionClaimsOf(token);
        if (!claims) return session;
        return { ...session, user: { ...session.user, id: claims.userId, type: claims.userType } };
      },
    },
    events: {
      signOut: async (message) => {
        const claims = "token" in message ? sessionClaimsOf(message.token) : null;
        // A guest who signs out cannot come back, so their Bearer token ends with the cookie.
        if (claims?.guestSessionId) await (await getDependencies()).store.deleteGuestSession(claims.guestSessionId);
        // Sockets opened by this sign-in are disconnected, wherever they are (the adapter reaches every replica).
        const key = claims?.guestSessionId ? guestSessionKey(claims.guestSessionId) : claims?.signInId ? googleSessionKey(claims.signInId) : undefined;
        if (key) await notifySessionEnded(key);
      },
    },
  };
}

function hasVerifiedEmail(profile: Profile | undefined): boolean {
  return typeof profile?.email === "string" && profile.email_verified !== false;
}

/** Emails are unique in the store, so the Google email finds the account on every sign-in. */
async function upsertGoogleUser(store: PlatformStore, profile: Profile): Promise<User> {
  if (typeof profile.email !== "string") throw new AppError("unauthorized", "Google did not share an email address.");
  const name = typeof profile.name === "string" ? profile.name.slice(0, 200) : undefined;
  const image = userSchema.shape.image.safeParse(profile.picture).data;
  const existing = await store.findUserByEmail(profile.email);
  if (existing) {
    if (existing.type !== "google") throw new AppError("conflict", "This email belongs to an account that cannot sign in with Google.");
    if (existing.name === name && existing.image === image) return existing;
    return store.updateUser(existing.id, { name, image });
  }
  try {
    return await store.createUser({ type: "google", email: profile.email, name, image });
  } catch (error) {
    // Two first sign-ins at once: the other one created the account.
    const created = error instanceof AppError && error.code === "conflict" ? await store.findUserByEmail(profile.email) : null;
    if (created) return created;
    throw error;
  }
}

/**
 * A guest signing in with Google keeps their agents, conversations and (through the user-merged
 * listeners) workspace files. A merge failure fails the sign-in: the guest cookie then stays, so
 * nothing is lost and the person can try again.
 */
async function adoptSignedInGuest(request: Request | undefined, accountUserId: string, deps: AuthDependencies): Promise<void> {
  const claims = await readSessionCookie(request?.headers.get("cookie"), deps.config);
  if (claims?.userType !== "guest" || !claims.guestSessionId) return;
  const session = await deps.store.findGuestSession(claims.guestSessionId);
  if (!session || session.userId !== claims.userId) return;
  try {
    const moved = await deps.store.mergeUser(claims.userId, accountUserId);
    logger.info({ fromUserId: claims.userId, toUserId: accountUserId, ...moved }, "guest merged into their account");
  } catch (error) {
    logger.error({ err: error, fromUserId: claims.userId, toUserId: accountUserId }, "could not merge a guest into their account");
    throw error;
  }
  await notifyUserMerged(claims.userId, accountUserId);
  // The guest is gone: the sockets they opened before signing in must not act as them any more.
  await notifySessionEnded(guestSessionKey(claims.guestSessionId));
}

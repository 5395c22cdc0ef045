import type { Server } from "node:http";
// ESM-only: Playwright compiles this file to CommonJS, and Node 20.19+ can require() ES modules.
import Provider from "oidc-provider";
import { testIdentity } from "./oidc-settings";

/**
 * A real OpenID Connect provider on loopback standing in for Google in end-to-end tests: the app
 * under test runs its unchanged Google provider against it through AUTH_GOOGLE_ISSUER. Its own
 * development login and consent pages are what the browser walks through.
 */
export interface LocalOidcProviderOptions {
  port: number;
  clientId: string;
  clientSecret: string;
  /** The app's Auth.js callback, e.g. http://localhost:3210/api/auth/callback/google. */
  redirectUri: string;
}

export interface LocalOidcProvider {
  issuer: string;
  close(): Promise<void>;
}

export async function startLocalOidcProvider(options: LocalOidcProviderOptions): Promise<LocalOidcProvider> {
  const issuer = `http://127.0.0.1:${options.port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    claims: { openid: ["sub"], profile: ["name", "picture"], email: ["email", "email_verified"] },
    // Google puts the profile in the ID token, and Auth.js reads it from there.
    conformIdTokenClaims: false,
    cookies: { keys: ["local-oidc-provider-test-cookie-key"] },
    findAccount: (_context: unknown, sub: string) => ({
      accountId: sub,
      claims: () => ({
        sub,
        name: sub === testIdentity.login ? testIdentity.name : sub,
        email: sub === testIdentity.login ? testIdentity.email : `${sub}@example.test`,
        email_verified: true,
      }),
    }),
    features: { devInteractions: { enabled: true } },
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = provider.listen(options.port, "127.0.0.1", () => resolve(listening));
    listening.once("error", reject);
  });
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

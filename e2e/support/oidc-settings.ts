/**
 * The test identity provider's address and client, shared by playwright.config.ts (the server's
 * AUTH_GOOGLE_* environment) and the global setup that starts the provider.
 */
export const testOidcPort = Number(process.env.E2E_OIDC_PORT ?? 3219);
export const testOidcIssuer = `http://127.0.0.1:${testOidcPort}`;
export const testOidcClient = { clientId: "agentdesk-e2e", clientSecret: "agentdesk-e2e-client-secret" };

/** The person the provider signs in when "ada" is typed on its login page (any other login works too). */
export const testIdentity = {
  login: "ada",
  name: "Ada Lovelace",
  email: "ada@example.test",
};

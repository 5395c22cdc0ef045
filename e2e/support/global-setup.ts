import type { FullConfig } from "@playwright/test";
import { startLocalOidcProvider } from "./oidc-provider";
import { testOidcClient, testOidcPort } from "./oidc-settings";

/**
 * Starts the stand-in for Google. Playwright starts the web server first; that is fine because
 * Auth.js only reads the provider's discovery document when someone signs in.
 */
export default async function globalSetup(config: FullConfig): Promise<() => Promise<void>> {
  const baseURL = config.projects[0]?.use.baseURL ?? "http://localhost:3210";
  const provider = await startLocalOidcProvider({
    port: testOidcPort,
    ...testOidcClient,
    redirectUri: new URL("/api/auth/callback/google", baseURL).toString(),
  });
  return () => provider.close();
}

import type { PlatformStore } from "../store/store";
import { getPlatformStore } from "../store/shared-store";
import { getAuthConfig, type AuthConfig } from "./auth-config";

export interface AuthDependencies {
  store: PlatformStore;
  config: AuthConfig;
}

/** The process-wide store and sign-in configuration, shared by every module copy (globalThis). */
export async function getAuthDependencies(): Promise<AuthDependencies> {
  return { store: await getPlatformStore(), config: getAuthConfig() };
}

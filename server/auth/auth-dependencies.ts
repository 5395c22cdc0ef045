import { findPlatformServices } from "../platform-services";
import { getPlatformStore } from "../store/shared-store";
import type { PlatformStore } from "../store/store";
import { getAuthConfig, type AuthConfig } from "./auth-config";

export interface AuthDependencies {
  store: PlatformStore;
  config: AuthConfig;
}

/**
 * The process-wide store and sign-in configuration, reached through globalThis so every module
 * copy (custom server, route handlers, proxy) shares them. The store the custom server registered
 * comes first, so sign-in always reads the same store the rest of the platform writes.
 */
export async function getAuthDependencies(): Promise<AuthDependencies> {
  return { store: findPlatformServices()?.store ?? (await getPlatformStore()), config: getAuthConfig() };
}

import { findPlatformServices } from "../platform-services";
import { createGuestSignupGate, type GuestSignupGate } from "../limits/guest-signups";
import { getPlatformStore } from "../store/shared-store";
import type { PlatformStore } from "../store/store";
import { getAuthConfig, type AuthConfig } from "./auth-config";

export interface AuthDependencies {
  store: PlatformStore;
  config: AuthConfig;
  guestSignups: GuestSignupGate;
}

// Only when Next runs without the custom server (no platform registered): the default limit.
let standaloneGuestSignups: GuestSignupGate | undefined;

/**
 * The auth edge's way in, like a route handler's: Auth.js callbacks, the guest routes and the
 * socket handshake all run where only the running platform (registered on globalThis by
 * server/platform.ts) can supply the store. The registered store comes first, so sign-in always
 * reads the same store the rest of the platform writes.
 */
export async function getAuthDependencies(): Promise<AuthDependencies> {
  const services = findPlatformServices();
  if (services) return { store: services.store, config: getAuthConfig(), guestSignups: services.guestSignups };
  standaloneGuestSignups ??= createGuestSignupGate(30);
  return { store: await getPlatformStore(), config: getAuthConfig(), guestSignups: standaloneGuestSignups };
}

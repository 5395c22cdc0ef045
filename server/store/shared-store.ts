import { createStore } from "./create-store";
import type { PlatformStore } from "./store";
import { resolveStoreConfig } from "./store-config";

const key = Symbol.for("agent-platform.store");
type GlobalWithStore = typeof globalThis & { [key]?: Promise<PlatformStore> };

/**
 * The process-wide store. The custom server and Next's route handlers may load separate copies of
 * this module, so the instance lives on globalThis: one SQLite connection, one firebase-admin app.
 * The promise itself is shared, so concurrent first calls open the store once.
 */
export function getPlatformStore(env: Record<string, string | undefined> = process.env): Promise<PlatformStore> {
  const holder = globalThis as GlobalWithStore;
  holder[key] ??= createStore(resolveStoreConfig(env)).catch((error: unknown) => {
    delete holder[key];
    throw error;
  });
  return holder[key];
}

/** For shutdown: closes the shared store; the next getPlatformStore() opens a fresh one. */
export async function closePlatformStore(): Promise<void> {
  const holder = globalThis as GlobalWithStore;
  const store = holder[key];
  delete holder[key];
  if (store) await (await store).close();
}

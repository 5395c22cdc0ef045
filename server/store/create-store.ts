import { logger } from "../logger";
import type { PlatformStore, StoreOptions } from "./store";
import type { StoreConfig } from "./store-config";
import { withStoreDeadline } from "./store-deadline";

/**
 * Opens the configured adapter. Each is imported on demand so a SQLite deployment never loads
 * firebase-admin and a Firestore one never opens the native SQLite module.
 */
export async function createStore(config: StoreConfig, options: StoreOptions = {}): Promise<PlatformStore> {
  if (config.kind === "sqlite") {
    const { createSqliteStore } = await import("./sqlite-store");
    logger.info({ store: "sqlite", file: config.file }, "store opened");
    return createSqliteStore({ ...options, file: config.file });
  }
  if (config.emulatorHost && process.env.FIRESTORE_EMULATOR_HOST !== config.emulatorHost) {
    // firebase-admin only ever reads the emulator address from the environment.
    throw new Error(`FIRESTORE_EMULATOR_HOST must be set in the environment (to ${config.emulatorHost}) for the Firestore client to use the emulator.`);
  }
  const { createFirestoreStore } = await import("./firestore-store");
  logger.info({ store: "firestore", projectId: config.projectId, emulatorHost: config.emulatorHost }, "store opened");
  const store = await createFirestoreStore({ ...options, projectId: config.projectId, databaseId: config.databaseId });
  return config.deadlineMs ? withStoreDeadline(store, config.deadlineMs) : store;
}

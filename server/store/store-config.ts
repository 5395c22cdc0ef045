import path from "node:path";
import { z } from "zod";

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()));

/**
 * The environment variables that choose and configure the store, validated like server/config.ts
 * (and meant to be folded into it).
 */
export const storeEnvSchema = z.object({
  /** Forces an adapter; unset, Firestore is chosen whenever any Firestore setting is present. */
  STORE: optionalString.pipe(z.enum(["sqlite", "firestore"], { error: 'must be "sqlite" or "firestore"' }).optional()),
  DATA_DIR: z.string().default("data"),
  /** The SQLite file; defaults to DATA_DIR/platform.sqlite. */
  SQLITE_FILE: optionalString,
  /** host:port of the Firestore emulator; firebase-admin reads it from the environment itself. */
  FIRESTORE_EMULATOR_HOST: optionalString,
  GOOGLE_APPLICATION_CREDENTIALS: optionalString,
  GOOGLE_CLOUD_PROJECT: optionalString,
  /** A named Firestore database; "(default)" when unset. */
  FIRESTORE_DATABASE_ID: optionalString,
  /** How long one Firestore call may take before it fails as store_unavailable. */
  STORE_TIMEOUT_SECONDS: z.coerce.number().positive().max(600).default(15),
});
export type StoreEnv = z.infer<typeof storeEnvSchema>;

export type StoreConfig =
  | { kind: "sqlite"; file: string }
  | { kind: "firestore"; projectId?: string; databaseId?: string; emulatorHost?: string; deadlineMs?: number };

/** The emulator accepts any project id; "demo-" marks one that can never reach a real project. */
export const emulatorProjectId = "demo-agent-platform";

export class StoreConfigError extends Error {}

export function resolveStoreConfig(env: Record<string, string | undefined> = process.env): StoreConfig {
  const parsed = storeEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new StoreConfigError(`Invalid store configuration:\n${lines.join("\n")}`);
  }
  const values = parsed.data;
  const firestoreConfigured = Boolean(values.FIRESTORE_EMULATOR_HOST || values.GOOGLE_APPLICATION_CREDENTIALS || values.GOOGLE_CLOUD_PROJECT);
  const kind = values.STORE ?? (firestoreConfigured ? "firestore" : "sqlite");
  if (kind === "sqlite") {
    return { kind, file: path.resolve(values.SQLITE_FILE ?? path.join(values.DATA_DIR, "platform.sqlite")) };
  }
  return {
    kind,
    projectId: values.GOOGLE_CLOUD_PROJECT ?? (values.FIRESTORE_EMULATOR_HOST ? emulatorProjectId : undefined),
    databaseId: values.FIRESTORE_DATABASE_ID,
    emulatorHost: values.FIRESTORE_EMULATOR_HOST,
    deadlineMs: values.STORE_TIMEOUT_SECONDS * 1000,
  };
}

import path from "node:path";
import { describe, expect, it } from "vitest";
import { emulatorProjectId, resolveStoreConfig, StoreConfigError } from "../../server/store/store-config";

describe("choosing the store", () => {
  it("uses SQLite under DATA_DIR when nothing points at Firestore", () => {
    expect(resolveStoreConfig({})).toEqual({ kind: "sqlite", file: path.resolve("data/platform.sqlite") });
    expect(resolveStoreConfig({ DATA_DIR: "/srv/data" })).toEqual({ kind: "sqlite", file: "/srv/data/platform.sqlite" });
    expect(resolveStoreConfig({ SQLITE_FILE: "/tmp/x.sqlite" })).toEqual({ kind: "sqlite", file: "/tmp/x.sqlite" });
  });

  it("uses the Firestore emulator with a demo project when only its address is set", () => {
    expect(resolveStoreConfig({ FIRESTORE_EMULATOR_HOST: "127.0.0.1:8080" })).toEqual({
      kind: "firestore",
      projectId: emulatorProjectId,
      emulatorHost: "127.0.0.1:8080",
      deadlineMs: 15_000,
    });
  });

  it("uses Firestore when Google credentials or a project are configured", () => {
    expect(resolveStoreConfig({ GOOGLE_CLOUD_PROJECT: "acme-prod" })).toMatchObject({ kind: "firestore", projectId: "acme-prod" });
    expect(resolveStoreConfig({ GOOGLE_APPLICATION_CREDENTIALS: "/secrets/sa.json" })).toEqual({ kind: "firestore", deadlineMs: 15_000 });
    expect(resolveStoreConfig({ GOOGLE_CLOUD_PROJECT: "acme-prod", STORE_TIMEOUT_SECONDS: "4" })).toMatchObject({ deadlineMs: 4_000 });
    expect(resolveStoreConfig({ GOOGLE_CLOUD_PROJECT: "acme", FIRESTORE_DATABASE_ID: "agents" })).toMatchObject({ databaseId: "agents" });
  });

  it("lets STORE override the guess, and ignores blank values", () => {
    expect(resolveStoreConfig({ STORE: "sqlite", FIRESTORE_EMULATOR_HOST: "127.0.0.1:8080" }).kind).toBe("sqlite");
    expect(resolveStoreConfig({ STORE: "firestore" })).toEqual({ kind: "firestore", deadlineMs: 15_000 });
    expect(resolveStoreConfig({ STORE: " ", GOOGLE_CLOUD_PROJECT: "" }).kind).toBe("sqlite");
  });

  it("names a bad STORE value", () => {
    expect(() => resolveStoreConfig({ STORE: "postgres" })).toThrow(StoreConfigError);
    expect(() => resolveStoreConfig({ STORE: "postgres" })).toThrow(/STORE: must be "sqlite" or "firestore"/);
  });
});

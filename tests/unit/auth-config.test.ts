import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AuthConfigError, readOrCreatePersistedSecret, resolveAuthConfig } from "@/server/auth/auth-config";

const secret = "a-secret-that-is-long-enough-0123456789";
const directories: string[] = [];

function dataDir(): string {
  const directory = mkdtempSync(path.join(tmpdir(), "auth-config-"));
  directories.push(directory);
  return directory;
}

afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe("resolveAuthConfig", () => {
  it("uses AUTH_SECRET as given and offers Google only when both credentials are set", () => {
    const config = resolveAuthConfig({ AUTH_SECRET: secret });
    expect(config).toMatchObject({ secret, trustHost: true, secureCookie: false });
    expect(config.google).toBeUndefined();

    const withGoogle = resolveAuthConfig({ AUTH_SECRET: secret, AUTH_GOOGLE_ID: "id", AUTH_GOOGLE_SECRET: "shh" });
    expect(withGoogle.google).toEqual({ clientId: "id", clientSecret: "shh", issuer: undefined });
  });

  it("derives the secure cookie from AUTH_URL's protocol, not from NODE_ENV", () => {
    expect(resolveAuthConfig({ AUTH_SECRET: secret, AUTH_URL: "https://agents.example.com", NODE_ENV: "development" }).secureCookie).toBe(true);
    expect(resolveAuthConfig({ AUTH_SECRET: secret, AUTH_URL: "http://localhost:3000", NODE_ENV: "production" }).secureCookie).toBe(false);
  });

  it("honours AUTH_TRUST_HOST=false", () => {
    expect(resolveAuthConfig({ AUTH_SECRET: secret, AUTH_TRUST_HOST: "false" }).trustHost).toBe(false);
  });

  it("names every bad setting in one error", () => {
    const attempt = () =>
      resolveAuthConfig({ AUTH_SECRET: "short", AUTH_URL: "not a url", AUTH_GOOGLE_ID: "id", AUTH_TRUST_HOST: "maybe" });
    expect(attempt).toThrow(AuthConfigError);
    expect(attempt).toThrow(/AUTH_SECRET: must be at least 32 characters/);
    expect(attempt).toThrow(/AUTH_URL/);
    expect(attempt).toThrow(/AUTH_GOOGLE_SECRET: AUTH_GOOGLE_ID and AUTH_GOOGLE_SECRET must be set together/);
    expect(attempt).toThrow(/AUTH_TRUST_HOST/);
  });

  it("without AUTH_SECRET keeps one generated secret in DATA_DIR", () => {
    const directory = dataDir();
    const first = resolveAuthConfig({ DATA_DIR: directory });
    const second = resolveAuthConfig({ DATA_DIR: directory, NODE_ENV: "production" });
    expect(first.secret.length).toBeGreaterThanOrEqual(32);
    expect(second.secret).toBe(first.secret);
    expect(readFileSync(path.join(directory, "auth-secret"), "utf8")).toBe(first.secret);
    // Only the server's user can read it.
    expect(statSync(path.join(directory, "auth-secret")).mode & 0o077).toBe(0);
  });
});

describe("readOrCreatePersistedSecret", () => {
  it("refuses a file that holds no usable secret instead of weakening sessions", () => {
    const directory = dataDir();
    writeFileSync(path.join(directory, "auth-secret"), "tiny");
    expect(() => readOrCreatePersistedSecret(directory, "development")).toThrow(/delete it to generate a new one/);
  });
});

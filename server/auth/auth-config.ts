import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { logger } from "../logger";

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()));

const optionalUrl = optionalString.pipe(z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional());

const optionalFlag = optionalString.pipe(
  z
    .enum(["true", "false", "1", "0"], { error: 'must be "true" or "false"' })
    .transform((value) => value === "true" || value === "1")
    .optional(),
);

/**
 * The environment variables sign-in reads, validated like server/config.ts (which lists the
 * platform's other variables). Kept apart because route handlers, proxy.ts and the custom server
 * all need them and must agree on the secret and the cookie name.
 */
export const authEnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATA_DIR: z.string().default("data"),
  AUTH_SECRET: optionalString.pipe(
    z.string().min(32, "must be at least 32 characters (generate one with `openssl rand -base64 32`)").optional(),
  ),
  AUTH_URL: optionalUrl,
  AUTH_TRUST_HOST: optionalFlag,
  AUTH_GOOGLE_ID: optionalString,
  AUTH_GOOGLE_SECRET: optionalString,
  /** Tests only: points the Google provider at a local OpenID Connect provider. */
  AUTH_GOOGLE_ISSUER: optionalUrl,
});

export interface GoogleProviderConfig {
  clientId: string;
  clientSecret: string;
  /** Only set in tests; Google's own issuer otherwise. */
  issuer?: string;
}

export interface AuthConfig {
  secret: string;
  /** The public origin when AUTH_URL is set; Auth.js then builds every link from it. */
  url?: URL;
  trustHost: boolean;
  /**
   * Whether the session cookie is `__Secure-` prefixed. Auth.js is told the same value
   * (useSecureCookies), so the socket handshake and REST reads look for the cookie it sets.
   */
  secureCookie: boolean;
  google?: GoogleProviderConfig;
}

export class AuthConfigError extends Error {}

const secretFileName = "auth-secret";

/** Parses the environment; `persistedSecret` is injectable so tests never touch a real DATA_DIR. */
export function resolveAuthConfig(env: Record<string, string | undefined> = process.env, persistedSecret = readOrCreatePersistedSecret): AuthConfig {
  const parsed = authEnvSchema.safeParse(env);
  const lines = parsed.success ? [] : parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
  // Checked beside the schema, so a half-configured Google sign-in is reported with every other problem.
  if (Boolean(env.AUTH_GOOGLE_ID?.trim()) !== Boolean(env.AUTH_GOOGLE_SECRET?.trim())) {
    const missing = env.AUTH_GOOGLE_ID?.trim() ? "AUTH_GOOGLE_SECRET" : "AUTH_GOOGLE_ID";
    lines.push(`  ${missing}: AUTH_GOOGLE_ID and AUTH_GOOGLE_SECRET must be set together to enable Google sign-in`);
  }
  if (!parsed.success || lines.length > 0) throw new AuthConfigError(`Invalid sign-in configuration:\n${lines.join("\n")}`);
  const values = parsed.data;
  const url = values.AUTH_URL ? new URL(values.AUTH_URL) : undefined;
  const google =
    values.AUTH_GOOGLE_ID && values.AUTH_GOOGLE_SECRET
      ? { clientId: values.AUTH_GOOGLE_ID, clientSecret: values.AUTH_GOOGLE_SECRET, issuer: values.AUTH_GOOGLE_ISSUER }
      : undefined;
  return {
    secret: values.AUTH_SECRET ?? persistedSecret(path.resolve(values.DATA_DIR), values.NODE_ENV),
    url,
    // A self-hosted server answers on whatever host it is reached by; AUTH_URL pins it instead.
    trustHost: values.AUTH_TRUST_HOST ?? true,
    secureCookie: url?.protocol === "https:",
    google,
  };
}

/**
 * Without AUTH_SECRET, `npm start` still works: one random secret is kept in DATA_DIR so sessions
 * survive restarts. Created with O_EXCL so the custom server and Next's module copies, which may
 * race here at start-up, end up with the same secret.
 */
export function readOrCreatePersistedSecret(dataDir: string, nodeEnv: string): string {
  const file = path.join(dataDir, secretFileName);
  try {
    return readSecret(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(file, randomBytes(32).toString("base64url"), { flag: "wx", mode: 0o600 });
    const advice =
      nodeEnv === "production" ? " Set AUTH_SECRET when several instances serve the same users, so they share it." : "";
    logger.warn({ file }, `AUTH_SECRET is not set; generated a session secret and stored it in ${file}.${advice}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  return readSecret(file);
}

function readSecret(file: string): string {
  const secret = readFileSync(file, "utf8").trim();
  if (secret.length < 32) throw new AuthConfigError(`${file} holds no usable session secret: delete it to generate a new one.`);
  return secret;
}

const globalKey = Symbol.for("agentdesk.auth-config");
type GlobalWithAuthConfig = typeof globalThis & { [globalKey]?: AuthConfig };

/**
 * One configuration per process: Next's route handlers, proxy.ts and the custom server load
 * separate copies of this module, and all of them must use the same secret.
 */
export function getAuthConfig(): AuthConfig {
  const holder = globalThis as GlobalWithAuthConfig;
  if (!holder[globalKey]) {
    const config = resolveAuthConfig();
    if (config.google?.issuer) logger.warn("AUTH_GOOGLE_ISSUER is set: Google sign-in goes to a test identity provider, not Google.");
    holder[globalKey] = config;
  }
  return holder[globalKey];
}

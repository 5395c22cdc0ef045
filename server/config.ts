import { z } from "zod";
import { booleanFlag, checkExternalEgress } from "./egress/egress-config";
import { reportedEgressModel } from "./egress/egress-model";
import { authEnvSchema } from "./auth/auth-config";
import { egressEnvSchema } from "./egress/egress-config";
import { storeEnvSchema } from "./store/store-config";
import { limitsEnvSchema } from "./limits/limits-config";
import { clusterEnvSchema } from "./cluster/cluster-config";
import { workspaceRuntimeEnvSchema } from "./workspaces/workspace-runtime-config";
import { filesOriginEnvSchema } from "./files/files-origin-config";

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value));

/**
 * Every environment variable the platform reads, validated once at start-up so that a typo
 * fails fast with a sentence instead of surfacing later as odd behaviour. docs/configuration.md
 * and the README's table list the same variables.
 */
const platformEnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: positiveInt(3000),
  HOST: z.string().default("0.0.0.0"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DATA_DIR: z.string().default("data"),

  DOCKER_HOST: optionalString,
  WORKSPACE_IMAGE: z.string().default("agent-platform/workspace:latest"),
  WORKSPACE_MEMORY_MB: positiveInt(1024),
  WORKSPACE_CPUS: z.coerce.number().positive().default(1),
  WORKSPACE_PIDS_LIMIT: positiveInt(512),
  WORKSPACE_IDLE_MINUTES: positiveInt(30),
  CLI_IDLE_MINUTES: positiveInt(10),
  FILES_MAX_UPLOAD_MB: positiveInt(25),

  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: optionalString,
  CLAUDE_CODE_OAUTH_TOKEN: optionalString,
  MODEL_STAND_IN_PORT: positiveInt(3199),
  DEFAULT_MODEL: z.string().default("claude-sonnet-4-5"),
  // Unset: /metrics answers only this machine; set: a bearer token a remote scraper sends.
  METRICS_TOKEN: optionalString,
  // How often the scheduler looks for due schedules; 0 turns scheduled runs off on this server.
  SCHEDULER_TICK_SECONDS: z.coerce.number().int().min(0).max(3_600).default(15),
  // The shortest gap a schedule's cron may leave between two runs (checked when it is saved).
  SCHEDULE_MIN_INTERVAL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(60),
  // Webhooks to loopback/private/metadata addresses are refused unless this is on (local receivers, tests).
  WEBHOOK_ALLOW_PRIVATE_TARGETS: booleanFlag(false),
});

// The store's and sign-in's variables are declared beside the code that reads them, and checked here
// with everything else so a bad value stops the server at start-up.
export const configSchema = platformEnvSchema.extend(storeEnvSchema.shape).extend(authEnvSchema.shape).extend(egressEnvSchema.shape).extend(limitsEnvSchema.shape)
  .extend(clusterEnvSchema.shape)
  .extend(workspaceRuntimeEnvSchema.shape)
  .extend(filesOriginEnvSchema.shape);

export type PlatformConfig = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  // Checks across variables run here, at parse time, so configSchema stays a plain object others can pick from.
  const parsed = configSchema.superRefine(checkExternalEgress).safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid environment configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

/**
 * True when replies come from the offline demo model: no model credentials are configured, or,
 * with EGRESS_PROXY_URL, the egress proxy (which holds them instead) said it has none. Until that
 * proxy has answered this is false; the server is not ready then (its /health fails).
 */
export function usesOfflineDemoModel(config: PlatformConfig): boolean {
  if (config.EGRESS_PROXY_URL) return reportedEgressModel() === "offline-demo";
  return !config.ANTHROPIC_API_KEY && !config.CLAUDE_CODE_OAUTH_TOKEN && !config.ANTHROPIC_BASE_URL;
}

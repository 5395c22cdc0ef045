import pino from "pino";

// Secrets must never reach the logs, whichever module logs the object that carries them.
const redactPaths = [
  "*.ANTHROPIC_API_KEY",
  "*.CLAUDE_CODE_OAUTH_TOKEN",
  "*.apiKey",
  "*.token",
  "*.authorization",
  "*.headers.authorization",
  "*.headers.cookie",
  "*.env",
];

export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "warn" : "info"),
  redact: { paths: redactPaths, censor: "[redacted]" },
  base: { service: "agent-platform" },
});

export type Logger = typeof logger;

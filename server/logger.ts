import pino from "pino";
import { currentLogContext } from "./log-context";

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
  "*.webhookSecret",
  "*.AUTH_SECRET",
  "*.EGRESS_WORKSPACE_TOKEN",
];

export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === "test" ? "warn" : "info"),
  redact: { paths: redactPaths, censor: "[redacted]" },
  base: { service: "agent-platform" },
  // requestId / runId / conversationId of whatever the line is written for (see log-context.ts).
  mixin: () => ({ ...currentLogContext() }),
});

export type Logger = typeof logger;

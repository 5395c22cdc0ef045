import type { PlatformConfig } from "../config";
import { usesOfflineDemoModel } from "../config";
import type { AgentPaths } from "../workspaces/workspace-names";

/** Where the CLI lives in the workspace image. */
export const CLAUDE_EXECUTABLE = "/usr/local/bin/claude";
/** The workspace user's home in the image; tools keep caches there (matplotlib, pip). */
export const WORKSPACE_HOME = "/home/claude";

export interface ClaudeCredentials {
  apiKey?: string;
  baseUrl?: string;
  oauthToken?: string;
  /** The egress proxy, as containers reach it; set when workspaces run on isolated networks. */
  egressProxyUrl?: string;
}

/**
 * Credentials come from the server's configuration and travel into each exec's environment only:
 * never into the image, the container's own environment, argv or the logs. Without any, the CLI
 * talks to the offline demo model (the model stand-in) on the host. With an egress proxy of its
 * own (EGRESS_PROXY_URL) the CLI gets that proxy as its model endpoint and its only way out, and
 * the shared workspace token as its key: the proxy swaps it for the real key, or answers from the
 * offline demo model when it has none. Docker and Kubernetes workspaces alike.
 */
export function claudeCredentialsFromConfig(config: PlatformConfig): ClaudeCredentials {
  if (config.EGRESS_PROXY_URL) {
    const proxyUrl = config.EGRESS_PROXY_URL.replace(/\/$/, "");
    return { apiKey: config.EGRESS_WORKSPACE_TOKEN, baseUrl: proxyUrl, egressProxyUrl: proxyUrl };
  }
  if (usesOfflineDemoModel(config)) {
    return { baseUrl: `http://host.docker.internal:${config.MODEL_STAND_IN_PORT}`, apiKey: "offline-demo-model" };
  }
  return {
    apiKey: config.ANTHROPIC_API_KEY,
    baseUrl: config.ANTHROPIC_BASE_URL === undefined ? undefined : toContainerUrl(config.ANTHROPIC_BASE_URL),
    oauthToken: config.CLAUDE_CODE_OAUTH_TOKEN,
  };
}

/** Inside a workspace "localhost" is the container itself; the host is host.docker.internal. */
export function toContainerUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (["localhost", "127.0.0.1", "0.0.0.0", "[::1]"].includes(parsed.hostname)) {
      parsed.hostname = "host.docker.internal";
      return parsed.toString().replace(/\/$/, url.endsWith("/") ? "/" : "");
    }
    return url;
  } catch {
    return url;
  }
}

/** The CLI's own default (10 retries with backoff) keeps a turn waiting about 3 minutes for a model that is down. */
export const DEFAULT_MODEL_RETRIES = 3;

export function buildClaudeEnv(credentials: ClaudeCredentials, paths: AgentPaths, modelRetries = DEFAULT_MODEL_RETRIES): Record<string, string> {
  const env: Record<string, string> = {
    HOME: WORKSPACE_HOME,
    CLAUDE_CONFIG_DIR: paths.claudeConfigDir,
    DISABLE_TELEMETRY: "1",
    DISABLE_ERROR_REPORTING: "1",
    DISABLE_AUTOUPDATER: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    CLAUDE_AGENT_SDK_CLIENT_APP: "agent-platform/0.1",
    // Scrubbing credentials from the agent's commands needs bubblewrap, which cannot run in an
    // unprivileged container; the CLI refuses to start with it on. See the runner's notes.
    CLAUDE_CODE_SUBPROCESS_ENV_SCRUB: "0",
    CLAUDE_CODE_MAX_RETRIES: String(modelRetries),
  };
  if (credentials.apiKey) env.ANTHROPIC_API_KEY = credentials.apiKey;
  if (credentials.baseUrl) env.ANTHROPIC_BASE_URL = credentials.baseUrl;
  if (credentials.oauthToken) env.CLAUDE_CODE_OAUTH_TOKEN = credentials.oauthToken;
  if (credentials.egressProxyUrl) Object.assign(env, egressProxyEnv(credentials.egressProxyUrl));
  return env;
}

/**
 * Proxy settings for the CLI and everything the agent runs (curl, pip, requests read them; some
 * only the lower-case spelling). The network allows nothing else out, so a tool that ignores them
 * simply cannot connect. The model is addressed directly (NO_PROXY, the proxy's own host among
 * them): it is the proxy's own model route.
 */
export function egressProxyEnv(proxyUrl: string): Record<string, string> {
  const proxyHost = new URL(proxyUrl).hostname;
  const noProxy = [...new Set(["host.docker.internal", proxyHost, "localhost", "127.0.0.1"])].join(",");
  return { HTTPS_PROXY: proxyUrl, HTTP_PROXY: proxyUrl, https_proxy: proxyUrl, http_proxy: proxyUrl, NO_PROXY: noProxy, no_proxy: noProxy };
}

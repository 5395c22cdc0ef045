import { z } from "zod";

import { parseSubnetPool } from "../workspaces/workspace-network";
import { parseAllowList } from "./egress-rules";

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()));

export const booleanFlag = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((value, context) => {
      const text = value?.trim().toLowerCase() ?? "";
      if (text === "") return fallback;
      if (["1", "true", "on", "yes"].includes(text)) return true;
      if (["0", "false", "off", "no"].includes(text)) return false;
      context.addIssue({ code: "custom", message: 'must be "true" or "false"' });
      return z.NEVER;
    });

function validWith(parse: (value: string) => unknown) {
  return (value: string | undefined, context: z.RefinementCtx) => {
    if (value === undefined) return;
    try {
      parse(value);
    } catch (error) {
      context.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
    }
  };
}

/**
 * Workspace network isolation and the egress proxy, declared beside their code and folded into
 * server/config.ts like the store's and sign-in's variables.
 */
export const egressEnvSchema = z.object({
  /** Per-user internal networks + the egress proxy + the host firewall. Off only for debugging. */
  WORKSPACE_NETWORK_ISOLATION: booleanFlag(true),
  /** Where per-user subnets (/28 each) come from; must not overlap the host's own networks. */
  WORKSPACE_SUBNET_POOL: z.string().default("10.213.0.0/16").superRefine(validWith(parseSubnetPool)),
  /** Hosts workspaces may reach through the proxy; unset: only the model's host. `*` = any public host. */
  EGRESS_ALLOWLIST: optionalString.superRefine(validWith(parseAllowList)),
  /** Port of the egress proxy on the host; 0 picks a free one at start. */
  EGRESS_PROXY_PORT: z.coerce.number().int().min(0).max(65_535).default(0),
  /**
   * The egress proxy running on its own (egress-main.ts), as workspaces reach it: their model
   * endpoint and HTTP(S) proxy. Set, this server starts no proxy and no firewall of its own and
   * holds no model key; unset, WORKSPACE_NETWORK_ISOLATION decides as before.
   */
  EGRESS_PROXY_URL: optionalString.superRefine(validWith(parseExternalProxyUrl)),
  /** What workspaces present to that proxy as their model key; the proxy is given the same value. */
  EGRESS_WORKSPACE_TOKEN: optionalString,
  /** The external proxy's /health port (egress-main.ts's own setting): where this server asks which model it routes to. */
  EGRESS_HEALTH_PORT: z.coerce.number().int().min(1).max(65_535).default(3129),
});

export type EgressEnv = z.infer<typeof egressEnvSchema>;

/** http://host:port, nothing else: tools read HTTP(S)_PROXY as exactly that. */
export function parseExternalProxyUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error("must be a URL like http://agentdesk-egress.agentdesk.svc.cluster.local:3128");
  }
  if (url.protocol !== "http:") throw new Error("must be an http:// URL (the proxy speaks plain HTTP and CONNECT)");
  if (url.username || url.password || url.search || url.hash || (url.pathname !== "" && url.pathname !== "/")) {
    throw new Error("must be only http://host:port (no path, query or credentials)");
  }
  return url;
}

type ExternalEgressEnv = Pick<EgressEnv, "EGRESS_PROXY_URL" | "EGRESS_WORKSPACE_TOKEN"> & { ANTHROPIC_API_KEY?: string; CLAUDE_CODE_OAUTH_TOKEN?: string };

/**
 * Checks across variables for an external egress proxy, run with the whole configuration
 * (server/config.ts's loadConfig). The model key belongs to the proxy then, so a server that is
 * given one anyway refuses to start rather than hand it to anything. ANTHROPIC_BASE_URL is
 * ignored, not refused: a shared ConfigMap gives it to the proxy and the servers alike.
 */
export function checkExternalEgress(env: ExternalEgressEnv, context: z.RefinementCtx): void {
  if (!env.EGRESS_PROXY_URL) return;
  if (!env.EGRESS_WORKSPACE_TOKEN) {
    context.addIssue({
      code: "custom",
      path: ["EGRESS_WORKSPACE_TOKEN"],
      message: "is required with EGRESS_PROXY_URL: it is the key workspaces present to the egress proxy (the same value as the proxy's)",
    });
  } else if (env.EGRESS_WORKSPACE_TOKEN.length < 32) {
    context.addIssue({ code: "custom", path: ["EGRESS_WORKSPACE_TOKEN"], message: "must be at least 32 characters (e.g. `openssl rand -base64 32`)" });
  }
  if (env.ANTHROPIC_API_KEY) {
    context.addIssue({
      code: "custom",
      path: ["ANTHROPIC_API_KEY"],
      message: "must not be set on the server with EGRESS_PROXY_URL: the egress proxy holds the model key (give it to the proxy only)",
    });
  }
  if (env.CLAUDE_CODE_OAUTH_TOKEN) {
    context.addIssue({
      code: "custom",
      path: ["CLAUDE_CODE_OAUTH_TOKEN"],
      message: "cannot be used with EGRESS_PROXY_URL: the egress proxy puts an API key (its ANTHROPIC_API_KEY) on model requests",
    });
  }
}

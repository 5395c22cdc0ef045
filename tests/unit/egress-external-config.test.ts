import { afterEach, describe, expect, it } from "vitest";

import { buildClaudeEnv, claudeCredentialsFromConfig } from "../../server/claude/claude-environment";
import { ConfigError, loadConfig, usesOfflineDemoModel } from "../../server/config";
import { recordEgressModel } from "../../server/egress/egress-model";

const token = "t".repeat(32);
const external = { EGRESS_PROXY_URL: "http://agentdesk-egress.agentdesk.svc.cluster.local:3128", EGRESS_WORKSPACE_TOKEN: token };

const load = (env: Record<string, string>) => loadConfig({ NODE_ENV: "test", ...env });

function configProblems(env: Record<string, string>): string {
  try {
    load(env);
    return "";
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
}

afterEach(() => recordEgressModel(undefined));

describe("EGRESS_PROXY_URL: the egress proxy in its own process", () => {
  it("needs the shared workspace token, long enough, and takes only http://host:port", () => {
    expect(configProblems({ EGRESS_PROXY_URL: external.EGRESS_PROXY_URL })).toContain("EGRESS_WORKSPACE_TOKEN: is required with EGRESS_PROXY_URL");
    expect(configProblems({ ...external, EGRESS_WORKSPACE_TOKEN: "short" })).toContain("EGRESS_WORKSPACE_TOKEN: must be at least 32 characters");
    expect(configProblems({ ...external, EGRESS_PROXY_URL: "https://egress:3128" })).toContain("EGRESS_PROXY_URL: must be an http:// URL");
    expect(configProblems({ ...external, EGRESS_PROXY_URL: "http://user:pw@egress:3128/v1" })).toContain("EGRESS_PROXY_URL: must be only http://host:port");
    expect(configProblems({ ...external, EGRESS_PROXY_URL: "egress:3128" })).toContain("EGRESS_PROXY_URL:");
    expect(configProblems(external)).toBe("");
    // Without EGRESS_PROXY_URL the token is not needed (the in-process proxy makes its own).
    expect(configProblems({})).toBe("");
  });

  it("refuses a model key or subscription token on the server: the proxy holds the key", () => {
    expect(configProblems({ ...external, ANTHROPIC_API_KEY: "sk-real" })).toContain("ANTHROPIC_API_KEY: must not be set on the server with EGRESS_PROXY_URL");
    expect(configProblems({ ...external, CLAUDE_CODE_OAUTH_TOKEN: "oauth" })).toContain("CLAUDE_CODE_OAUTH_TOKEN: cannot be used with EGRESS_PROXY_URL");
    // A shared ConfigMap hands the proxy's ANTHROPIC_BASE_URL to the servers too: ignored, not refused.
    expect(configProblems({ ...external, ANTHROPIC_BASE_URL: "https://gateway.example" })).toBe("");
  });

  it("gives the CLI the proxy as model endpoint and proxy, with the token as its key", () => {
    const config = load({ ...external, EGRESS_PROXY_URL: `${external.EGRESS_PROXY_URL}/`, ANTHROPIC_BASE_URL: "https://gateway.example" });
    const credentials = claudeCredentialsFromConfig(config);
    expect(credentials).toEqual({ apiKey: token, baseUrl: external.EGRESS_PROXY_URL, egressProxyUrl: external.EGRESS_PROXY_URL });
    const env = buildClaudeEnv(credentials, { workdir: "/workspace/a", claudeConfigDir: "/workspace/.claude-agents/a" });
    expect(env).toMatchObject({ ANTHROPIC_API_KEY: token, ANTHROPIC_BASE_URL: external.EGRESS_PROXY_URL, HTTPS_PROXY: external.EGRESS_PROXY_URL, http_proxy: external.EGRESS_PROXY_URL });
    // The model is addressed directly: the proxy's own name is not sent through the proxy.
    expect(env.NO_PROXY!.split(",")).toContain("agentdesk-egress.agentdesk.svc.cluster.local");
    expect(env.CLAUDE_CODE_OAUTH_TOKEN).toBeUndefined();
  });

  it("takes the offline demo model's label from what the proxy said, false until it has", () => {
    const config = load(external);
    expect(usesOfflineDemoModel(config)).toBe(false);
    recordEgressModel("offline-demo");
    expect(usesOfflineDemoModel(config)).toBe(true);
    recordEgressModel("anthropic");
    expect(usesOfflineDemoModel(config)).toBe(false);
    // Without EGRESS_PROXY_URL the server's own configuration decides, as before.
    expect(usesOfflineDemoModel(load({}))).toBe(true);
    expect(usesOfflineDemoModel(load({ ANTHROPIC_API_KEY: "sk-real" }))).toBe(false);
  });
});

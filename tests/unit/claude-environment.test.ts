import { describe, expect, it } from "vitest";

import { buildClaudeEnv, claudeCredentialsFromConfig, toContainerUrl } from "../../server/claude/claude-environment";
import { configSchema } from "../../server/config";

describe("Claude environment", () => {
  it("points loopback model URLs at the host as seen from a workspace", () => {
    expect(toContainerUrl("http://127.0.0.1:3199")).toBe("http://host.docker.internal:3199");
    expect(toContainerUrl("http://localhost:8080/v1/")).toBe("http://host.docker.internal:8080/v1/");
    expect(toContainerUrl("https://api.anthropic.com")).toBe("https://api.anthropic.com");
  });

  it("uses the offline demo model when no credentials are configured", () => {
    const config = configSchema.parse({ MODEL_STAND_IN_PORT: "3199" });
    expect(claudeCredentialsFromConfig(config)).toEqual({ baseUrl: "http://host.docker.internal:3199", apiKey: "offline-demo-model" });
  });

  it("passes configured credentials through", () => {
    const config = configSchema.parse({ ANTHROPIC_API_KEY: "sk-real", CLAUDE_CODE_OAUTH_TOKEN: "" });
    expect(claudeCredentialsFromConfig(config)).toEqual({ apiKey: "sk-real", baseUrl: undefined, oauthToken: undefined });
  });

  it("builds a minimal environment per agent, without anything of the server's own", () => {
    const env = buildClaudeEnv({ apiKey: "sk", oauthToken: "oauth" }, { workdir: "/workspace/agent-a", claudeConfigDir: "/workspace/.claude-agents/a" });
    expect(env).toMatchObject({
      ANTHROPIC_API_KEY: "sk",
      CLAUDE_CODE_OAUTH_TOKEN: "oauth",
      CLAUDE_CONFIG_DIR: "/workspace/.claude-agents/a",
      HOME: "/home/claude",
      DISABLE_TELEMETRY: "1",
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    });
    expect(env.ANTHROPIC_BASE_URL).toBeUndefined();
    expect(env.PATH).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";

import { findMalformedText, malformedTextMessage } from "../../lib/well-formed-text";
import { configSchema } from "../../server/config";

describe("broken Unicode at the edges", () => {
  it("finds a lone surrogate anywhere in a payload and names where", () => {
    expect(findMalformedText({ text: "fine 👩‍💻 e\u0301 \u202e" })).toBeUndefined();
    expect(findMalformedText({ text: "half \ud83d" })).toBe("text");
    expect(findMalformedText({ a: [{ b: "x" }, { b: "\udc00 tail" }] })).toBe("a.1.b");
    expect(findMalformedText("\ud800")).toBe("");
    expect(findMalformedText({ "key\ud800": 1 })).toBe("key\ud800");
    expect(findMalformedText(42)).toBeUndefined();
    expect(malformedTextMessage("text")).toMatch(/^text contains a broken character/);
  });
});

describe("egress settings", () => {
  it("defaults to isolation on, a free proxy port and the model's host only", () => {
    const config = configSchema.parse({});
    expect(config.WORKSPACE_NETWORK_ISOLATION).toBe(true);
    expect(config.EGRESS_PROXY_PORT).toBe(0);
    expect(config.EGRESS_ALLOWLIST).toBeUndefined();
    expect(config.WORKSPACE_SUBNET_POOL).toBe("10.213.0.0/16");
  });

  it("refuses bad values with a sentence", () => {
    expect(configSchema.parse({ WORKSPACE_NETWORK_ISOLATION: "off" }).WORKSPACE_NETWORK_ISOLATION).toBe(false);
    expect(configSchema.safeParse({ WORKSPACE_NETWORK_ISOLATION: "maybe" }).error?.issues[0]?.message).toMatch(/"true" or "false"/);
    expect(configSchema.safeParse({ EGRESS_ALLOWLIST: "https://api.anthropic.com" }).error?.issues[0]?.message).toMatch(/not a host name/);
    expect(configSchema.safeParse({ WORKSPACE_SUBNET_POOL: "10.0.0.0/30" }).success).toBe(false);
    expect(configSchema.parse({ EGRESS_ALLOWLIST: "api.anthropic.com, *.pypi.org, *" }).EGRESS_ALLOWLIST).toBe("api.anthropic.com, *.pypi.org, *");
  });
});

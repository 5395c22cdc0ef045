import { describe, expect, it } from "vitest";

import { checkPayload, payloadProblemMessage, type PayloadProblem } from "../../lib/well-formed-text";
import { configSchema } from "../../server/config";

const brokenAt = (value: unknown) => {
  const problem = checkPayload(value);
  return problem?.kind === "malformed_text" ? problem.path : problem;
};

function nested(depth: number): unknown {
  let value: unknown = "leaf";
  for (let level = 0; level < depth; level += 1) value = { a: value };
  return value;
}

describe("payloads at the edges", () => {
  it("finds a lone surrogate anywhere in a payload and names the first place, in key order", () => {
    expect(brokenAt({ text: "fine 👩‍💻 e\u0301 \u202e" })).toBeUndefined();
    expect(brokenAt({ text: "half \ud83d" })).toBe("text");
    expect(brokenAt({ a: [{ b: "x" }, { b: "\udc00 tail" }] })).toBe("a.1.b");
    expect(brokenAt({ first: "\ud800", second: { deeper: "\udc00" } })).toBe("first");
    expect(brokenAt("\ud800")).toBe("");
    expect(brokenAt({ "key\ud800": 1 })).toBe("key\ud800");
    expect(brokenAt(42)).toBeUndefined();
    expect(payloadProblemMessage({ kind: "malformed_text", path: "text" })).toMatch(/^text contains a broken character/);
  });

  it("refuses a payload nested 20,000 deep with a sentence instead of overflowing the stack", () => {
    const problem = checkPayload(nested(20_000));
    expect(problem).toMatchObject({ kind: "too_deep", maxDepth: 32 });
    expect(payloadProblemMessage(problem!)).toMatch(/^The request nests deeper than 32 levels \(at a\.a\.a.*\); send a flatter value\.$/);
    expect(checkPayload(nested(31))).toBeUndefined();
  });

  it("refuses a payload with more values than the cap", () => {
    const wide = Array.from({ length: 100_001 }, (_, index) => index);
    const problem = checkPayload(wide) as PayloadProblem;
    expect(problem).toEqual({ kind: "too_many_values", maxValues: 100_000 });
    expect(payloadProblemMessage(problem)).toBe("The request holds more than 100,000 values; send less at once.");
    expect(checkPayload(wide.slice(0, 99_999))).toBeUndefined();
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

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startEgressProxy, type EgressProxy } from "../../server/egress/egress-proxy";
import { candidateSubnet, parseSubnetPool } from "../../server/workspaces/workspace-network";
import { decideEgress, defaultAllowListText, isInIpv4Range, isPrivateAddress, matchHost, parseAllowList } from "../../server/egress/egress-rules";
import { connectStatusLine, startRecordingUpstream, viaProxy as viaProxyAt, type RecordingUpstream } from "../support/egress-client";

describe("egress allow-list", () => {
  it("defaults to the model's host only", () => {
    expect(defaultAllowListText(undefined)).toBe("api.anthropic.com");
    expect(defaultAllowListText("https://gateway.example.com/anthropic")).toBe("gateway.example.com");
  });

  it("matches exact names, *. wildcards (subdomains only) and *", () => {
    const list = parseAllowList("api.anthropic.com, *.pypi.org ,Files.Example.COM.");
    expect(matchHost(list, "API.anthropic.com")).toBe("explicit");
    expect(matchHost(list, "files.pythonhosted.org")).toBe("none");
    expect(matchHost(list, "upload.pypi.org")).toBe("explicit");
    expect(matchHost(list, "pypi.org")).toBe("none");
    expect(matchHost(list, "evilpypi.org")).toBe("none");
    expect(matchHost(list, "files.example.com")).toBe("explicit");
    expect(matchHost(parseAllowList("*"), "anything.example")).toBe("wildcard");
    expect(() => parseAllowList("http://x.com")).toThrow(/not a host name/);
    expect(() => parseAllowList("a b")).toThrow(/not a host name/);
  });

  it("treats loopback, private, link-local and metadata addresses as private", () => {
    for (const address of ["127.0.0.1", "10.1.2.3", "172.17.0.1", "192.168.1.1", "169.254.169.254", "::1", "fd00::2", "::ffff:127.0.0.1", "0.0.0.0"]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ["1.1.1.1", "160.79.104.10", "2606:4700::1111"]) expect(isPrivateAddress(address), address).toBe(false);
  });

  it("needs a named entry for a private address and never opens the platform's own ports", () => {
    const wildcard = parseAllowList("*");
    expect(decideEgress(wildcard, { hostname: "example.com", port: 443, address: "93.184.215.14" }, [3000])).toEqual({ allowed: true });
    expect(decideEgress(wildcard, { hostname: "rebind.example", port: 80, address: "10.0.0.5" }, [3000])).toMatchObject({ allowed: false });
    const named = parseAllowList("localhost");
    expect(decideEgress(named, { hostname: "localhost", port: 8081, address: "127.0.0.1" }, [3000])).toEqual({ allowed: true });
    expect(decideEgress(named, { hostname: "localhost", port: 3000, address: "127.0.0.1" }, [3000])).toMatchObject({
      allowed: false,
      reason: expect.stringContaining("Port 3000"),
    });
  });

  it("carves per-user /28 subnets out of the pool", () => {
    expect(parseSubnetPool("10.213.0.0/16")).toEqual({ base: 0x0ad50000, prefix: 16 });
    expect(() => parseSubnetPool("10.213.0.0/30")).toThrow();
    const first = candidateSubnet("10.213.0.0/16", "user-a", 0);
    expect(first.subnet).toMatch(/^10\.213\.\d+\.\d+\/28$/);
    expect(isInIpv4Range(first.gateway, "10.213.0.0/16")).toBe(true);
    expect(candidateSubnet("10.213.0.0/16", "user-a", 1).subnet).not.toBe(first.subnet);
    expect(isInIpv4Range("10.214.0.1", "10.213.0.0/16")).toBe(false);
  });
});

describe("egress proxy", () => {
  let proxy: EgressProxy;
  let upstream: RecordingUpstream;

  beforeAll(async () => {
    upstream = await startRecordingUpstream();
    proxy = await startEgressProxy({
      host: "127.0.0.1",
      port: 0,
      allowList: parseAllowList("localhost"),
      protectedPorts: [],
      isAllowedClient: () => true,
      model: { upstream: new URL(`http://127.0.0.1:${upstream.port}/base`), apiKey: "sk-real-key" },
      containerHostname: "host.docker.internal",
      resolve: async (hostname) => (hostname === "localhost" ? "127.0.0.1" : "203.0.113.9"),
    });
  });

  afterAll(async () => {
    await proxy.close();
    await upstream.close();
  });

  const viaProxy = (target: string, headers: Record<string, string> = {}) => viaProxyAt(proxy.port, target, { headers });

  it("forwards plain HTTP to an allowed host and refuses others with 403 and a reason", async () => {
    expect(await viaProxy(`http://localhost:${upstream.port}/x`)).toEqual({ status: 200, body: "upstream GET /x" });
    const refused = await viaProxy("http://elsewhere.example/");
    expect(refused.status).toBe(403);
    expect(refused.body).toContain("elsewhere.example is not on this platform's egress allow-list");
  });

  it("tunnels CONNECT to an allowed host only", async () => {
    const answer = (target: string) => connectStatusLine(proxy.port, target);
    expect(await answer(`localhost:${upstream.port}`)).toBe("HTTP/1.1 200 Connection Established");
    expect(await answer("evil.example:443")).toBe("HTTP/1.1 403 Forbidden");
  });

  it("swaps the workspace's placeholder for the real key on the model route, and refuses any other key", async () => {
    const ok = await viaProxy("/v1/messages?beta=true", { "x-api-key": proxy.placeholderApiKey });
    expect(ok).toEqual({ status: 200, body: "upstream GET /base/v1/messages?beta=true" });
    expect(upstream.seen.at(-1)?.["x-api-key"]).toBe("sk-real-key");
    expect((await viaProxy("/v1/messages", { "x-api-key": "guess" })).status).toBe(401);
    expect((await viaProxy("/v1/messages")).status).toBe(401);
  });
});

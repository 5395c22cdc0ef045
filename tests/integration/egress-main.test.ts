import { randomBytes } from "node:crypto";
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { connectStatusLine, startRecordingUpstream, viaProxy as viaProxyAt, type RecordingUpstream } from "../support/egress-client";
import { freePort } from "./support/server-process";
import { until } from "./support/wait-until";
import { startEgressMain, type EgressProcess } from "./support/egress-process";

/*
 * The egress proxy's own entry point (server/egress/egress-main.ts, bundled as dist/egress.js), as
 * the real process a Deployment runs: it holds the model key, answers only the workspace range,
 * and applies the same allow-list as the proxy inside the server. Everything stays on this
 * machine: the "allowed" site is a loopback server named in the allow-list, and refused names are
 * never looked up.
 */

const workspaceToken = `egress-main-test-${randomBytes(24).toString("hex")}`;
const hostExternalAddress = Object.values(networkInterfaces())
  .flatMap((entries) => entries ?? [])
  .find((entry) => entry.family === "IPv4" && !entry.internal)?.address;


let upstream: RecordingUpstream;
let proxy: EgressProcess;
let proxyPort: number;
let healthPort: number;

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  [proxyPort, healthPort] = [await freePort(), await freePort()];
  proxy = startEgressMain({
    // Every address, so a client from outside the workspace range can try; it is dropped.
    EGRESS_HOST: "0.0.0.0",
    EGRESS_PROXY_PORT: String(proxyPort),
    EGRESS_HEALTH_PORT: String(healthPort),
    EGRESS_CLIENT_CIDRS: "10.213.0.0/16",
    EGRESS_ALLOWLIST: "127.0.0.1",
    ANTHROPIC_API_KEY: "sk-real-key",
    ANTHROPIC_BASE_URL: `http://127.0.0.1:${upstream.port}/base`,
    EGRESS_WORKSPACE_TOKEN: workspaceToken,
  });
  await until(
    "the egress proxy's /health",
    async () => {
      if (proxy.child.exitCode !== null) throw new Error(`the egress proxy exited:\n${proxy.output()}`);
      return fetch(`http://127.0.0.1:${healthPort}/health`).then((response) => response.ok, () => false);
    },
    60_000,
  );
});

afterAll(async () => {
  if (proxy?.child.exitCode === null) proxy.child.kill("SIGKILL");
  await upstream.close();
});

const viaProxy = (target: string, headers: Record<string, string> = {}, host?: string) => viaProxyAt(proxyPort, target, { headers, host });
const connectAnswer = (target: string) => connectStatusLine(proxyPort, target);

describe("the egress proxy on its own (node dist/egress.js)", () => {
  it("forwards to a host on the allow-list and refuses one off it, over plain HTTP and CONNECT", async () => {
    expect(await viaProxy(`http://127.0.0.1:${upstream.port}/listed`)).toEqual({ status: 200, body: "upstream GET /listed" });
    const refused = await viaProxy("http://elsewhere.example/");
    expect(refused.status).toBe(403);
    expect(refused.body).toContain("elsewhere.example is not on this platform's egress allow-list");
    expect(await connectAnswer(`127.0.0.1:${upstream.port}`)).toBe("HTTP/1.1 200 Connection Established");
    expect(await connectAnswer("evil.example:443")).toBe("HTTP/1.1 403 Forbidden");
    // Its own ports are never reachable through it, even on a listed host.
    const ownHealth = await viaProxy(`http://127.0.0.1:${healthPort}/health`);
    expect(ownHealth.status).toBe(403);
    expect(ownHealth.body).toContain(`Port ${healthPort}`);
  });

  it("puts the real key on model requests that carry the shared workspace token, and refuses any other", async () => {
    const ok = await viaProxy("/v1/messages?beta=true", { "x-api-key": workspaceToken });
    expect(ok).toEqual({ status: 200, body: "upstream GET /base/v1/messages?beta=true" });
    expect(upstream.seen.at(-1)?.["x-api-key"]).toBe("sk-real-key");
    expect((await viaProxy("/v1/messages", { "x-api-key": "sk-real-key" })).status).toBe(401);
    expect((await viaProxy("/v1/messages")).status).toBe(401);
  });

  it.skipIf(hostExternalAddress === undefined)("drops a client from outside EGRESS_CLIENT_CIDRS without an answer", async () => {
    const outcome = await viaProxy(`http://127.0.0.1:${upstream.port}/listed`, {}, hostExternalAddress).then(
      (answer) => `answered ${answer.status}`,
      (error: NodeJS.ErrnoException) => error.code ?? String(error),
    );
    expect(outcome).toBe("ECONNRESET");
    // The log line may reach the pipe a moment after the reset reached the client.
    await until("the refusal in the proxy's log", async () => proxy.output().includes("connection from outside the workspace networks refused"), 5_000);
  });

  it("refuses to start on a bad environment, saying which variable and why", async () => {
    const bad = startEgressMain({ ANTHROPIC_API_KEY: "sk-real-key", EGRESS_CLIENT_CIDRS: "10.0.0.0/33" });
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toContain('EGRESS_CLIENT_CIDRS.0: "10.0.0.0/33" is not an IPv4 range');
    expect(bad.output()).toContain("EGRESS_WORKSPACE_TOKEN: is required with ANTHROPIC_API_KEY");
  });

  it("stops on SIGTERM with exit code 0", async () => {
    proxy.child.kill("SIGTERM");
    expect(await proxy.exited).toBe(0);
  });
});

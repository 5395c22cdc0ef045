import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { networkInterfaces } from "node:os";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ClaudeRunner } from "../../server/claude/claude-runner";
import { loadConfig } from "../../server/config";
import { installEgressFirewall } from "../../server/egress/egress-firewall";
import { startEgressProxy } from "../../server/egress/egress-proxy";
import { parseAllowList } from "../../server/egress/egress-rules";
import { createModelStandIn } from "../../server/model-stand-in";
import { egressProxyEnv } from "../../server/claude/claude-environment";
import { startWorkspaceEgress, type WorkspaceEgress } from "../../server/egress/workspace-egress";
import { DockerWorkspaceRuntime } from "../../server/workspaces/docker-workspace-runtime";
import { workspaceNetworkName } from "../../server/workspaces/workspace-names";
import type { WorkspaceHandle } from "../../server/workspaces/workspace-runtime";
import { removeTestWorkspaces, requireWorkspaceImage } from "./support/test-workspaces";

/*
 * What a workspace can reach, tried from inside real containers on their real isolated networks,
 * with the real egress proxy and host firewall. Everything stays on this machine: the "allowed"
 * site is a loopback server listed in the allow-list, refused names are never even looked up.
 */

const image = process.env.WORKSPACE_IMAGE ?? "agent-platform/workspace:latest";
const docker = new Docker();
const prefix = `itest-secnet-${randomBytes(3).toString("hex")}`;
const alice = `${prefix}-alice`;
const bob = `${prefix}-bob`;

let platformServer: http.Server;
let platformPort: number;
let storeServer: net.Server;
let storePort: number;
let allowedSite: http.Server;
let allowedPort: number;
let egress: WorkspaceEgress;
let runtime: DockerWorkspaceRuntime;
let aliceWs: WorkspaceHandle;
let bobWs: WorkspaceHandle;
let bobAddress: string;
let aliceGateway: string;

const hostExternalAddress = Object.values(networkInterfaces())
  .flatMap((entries) => entries ?? [])
  .find((entry) => entry.family === "IPv4" && !entry.internal && !entry.address.startsWith("10.213."))?.address;

function listen(server: net.Server, host: string): Promise<number> {
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as AddressInfo).port)));
}

/** Runs a shell snippet in a workspace with the proxy settings the CLI and its tools get. */
async function inWorkspace(workspace: WorkspaceHandle, script: string): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return runtime.exec(workspace, ["sh", "-c", script], { env: egressProxyEnv(`http://host.docker.internal:${egress.proxy.port}`), timeoutMs: 60_000 });
}

/** curl straight to an address, bypassing the proxy; prints the HTTP code (000: no connection) and curl's exit code. */
const direct = (url: string) => `curl --noproxy '*' -s -m 5 -o /dev/null -w '%{http_code}' '${url}'; echo " exit=$?"`;
/** curl through the proxy (from the environment, NO_PROXY dropped so loopback names go through it too); prints the body and the status. */
const proxied = (url: string, extra = "") => `env -u NO_PROXY -u no_proxy curl -s -m 10 ${extra} -w ' status=%{http_code} connect=%{http_connect}' '${url}'`;

/** Runs several commands in one exec and returns each one's output on a single line. */
async function outputsOf(workspace: WorkspaceHandle, commands: string[]): Promise<string[]> {
  const result = await inWorkspace(workspace, commands.join("; echo; echo '--next--'; "));
  return result.stdout.split("--next--").map((part) => part.replace(/\s+/g, " ").trim());
}

beforeAll(async () => {
  await requireWorkspaceImage(docker, image);
  // Stand-ins for the platform's own port and the store, listening on every address like a careless setup would.
  platformServer = http.createServer((_req, res) => res.end("platform"));
  platformPort = await listen(platformServer, "0.0.0.0");
  storeServer = net.createServer((socket) => socket.end("store\n"));
  storePort = await listen(storeServer, "0.0.0.0");
  allowedSite = http.createServer((req, res) => res.end(`allowed ${req.url}`));
  allowedPort = await listen(allowedSite, "127.0.0.1");

  const config = loadConfig({
    NODE_ENV: "test",
    PORT: String(platformPort),
    FIRESTORE_EMULATOR_HOST: `127.0.0.1:${storePort}`,
    EGRESS_ALLOWLIST: "localhost",
    ANTHROPIC_API_KEY: "",
    ANTHROPIC_BASE_URL: "",
    CLAUDE_CODE_OAUTH_TOKEN: "",
  });
  egress = await startWorkspaceEgress(config);
  egress.refuseWorkspaceClients(platformServer);
  runtime = new DockerWorkspaceRuntime(docker, { image, memoryMb: 512, cpus: 1, pidsLimit: 256, networkIsolation: { subnetPool: config.WORKSPACE_SUBNET_POOL } });
  [aliceWs, bobWs] = await Promise.all([runtime.ensureWorkspace(alice), runtime.ensureWorkspace(bob)]);
  const bobInfo = await docker.getContainer(bobWs.id).inspect();
  bobAddress = bobInfo.NetworkSettings.Networks[workspaceNetworkName(bob)]!.IPAddress;
  const aliceNetwork = await docker.getNetwork(workspaceNetworkName(alice)).inspect();
  aliceGateway = aliceNetwork.IPAM?.Config?.[0]?.Gateway ?? "";
  // Something listening in Bob's container, for Alice to try.
  await runtime.exec(bobWs, ["sh", "-c", "nohup python3 -m http.server 8000 --bind 0.0.0.0 >/dev/null 2>&1 & sleep 1"]);
});

afterAll(async () => {
  await removeTestWorkspaces(docker, prefix);
  await egress?.close();
  for (const server of [platformServer, storeServer, allowedSite]) await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

describe("workspace network isolation", () => {
  it("puts each user on an internal network of their own, with platform labels", async () => {
    const info = await docker.getContainer(aliceWs.id).inspect();
    expect(info.HostConfig.NetworkMode).toBe(workspaceNetworkName(alice));
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([workspaceNetworkName(alice)]);
    const network = await docker.getNetwork(workspaceNetworkName(alice)).inspect();
    expect(network.Internal).toBe(true);
    expect(network.Labels).toMatchObject({ platform: "agent-platform", "platform.user": alice, "platform.kind": "workspace-network" });
    expect(workspaceNetworkName(bob)).not.toBe(workspaceNetworkName(alice));
    expect(egress.firewall.mode).toBe("iptables");
  });

  it("cannot reach the platform's port or the store on any host address", async () => {
    const hosts = ["host.docker.internal", aliceGateway, ...(hostExternalAddress ? [hostExternalAddress] : [])];
    // The host itself can: the servers are up and listening on every address.
    expect(await fetch(`http://127.0.0.1:${platformPort}/`).then((r) => r.text())).toBe("platform");
    const script = hosts.flatMap((host) => [direct(`http://${host}:${platformPort}/`), direct(`telnet://${host}:${storePort}`)]).join("; ");
    const result = await inWorkspace(aliceWs, script);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(hosts.length * 2);
    // 000 exit=7: the connection was refused outright (the firewall's TCP reset), not a timeout.
    for (const line of lines) expect(line).toBe("000 exit=7");
  });

  it("cannot reach another user's container, directly or through the proxy", async () => {
    // Bob's server answers inside Bob's workspace.
    expect((await inWorkspace(bobWs, direct("http://127.0.0.1:8000/"))).stdout.trim()).toBe("200 exit=0");
    const [directLine, proxiedLine] = await outputsOf(aliceWs, [direct(`http://${bobAddress}:8000/`), proxied(`http://${bobAddress}:8000/`)]);
    expect(directLine).not.toMatch(/^200/);
    expect(proxiedLine).toContain("status=403");
    expect(proxiedLine).toContain("not on this platform's egress allow-list");
  });

  it("has no route to the internet except through the proxy, which refuses hosts not on the allow-list", async () => {
    const [noRoute, plain, tls, store] = await outputsOf(aliceWs, [
      direct("http://93.184.215.14/"),
      proxied("http://example.com/"),
      proxied("https://api.github.com/"),
      proxied(`http://127.0.0.1:${storePort}/`),
    ]);
    expect(noRoute).toMatch(/^000 exit=(7|28)$/);
    expect(plain).toContain("example.com is not on this platform's egress allow-list");
    expect(plain).toContain("status=403");
    // HTTPS: the CONNECT is refused, so curl never starts TLS.
    expect(tls).toContain("connect=403");
    expect(store).toContain("status=403");
  });

  it("lets an allow-listed host through, over plain HTTP and CONNECT, but never the platform's own port", async () => {
    const [plain, tunnel, platform, store] = await outputsOf(aliceWs, [
      proxied(`http://localhost:${allowedPort}/hello`),
      proxied(`http://localhost:${allowedPort}/tunnel`, "--proxytunnel"),
      proxied(`http://localhost:${platformPort}/`),
      proxied(`http://localhost:${storePort}/`),
    ]);
    expect(plain).toBe("allowed /hello status=200 connect=000");
    expect(tunnel).toBe("allowed /tunnel status=200 connect=200");
    expect(platform).toContain(`Port ${platformPort} on the platform's own machine is not reachable`);
    expect(store).toContain("status=403");
  });

  const noExternalAddress = hostExternalAddress === undefined ? " (skipped: this machine has no non-loopback IPv4 address to connect from)" : "";
  it.skipIf(hostExternalAddress === undefined)(`only serves workspace networks: the proxy drops a client from another network${noExternalAddress}`, async () => {
    const outcome = await new Promise<string>((resolve) => {
      let connected = false;
      const socket = net.connect({ host: hostExternalAddress!, port: egress.proxy.port, localAddress: hostExternalAddress! }, () => {
        connected = true;
        socket.write(`GET http://localhost:${allowedPort}/ HTTP/1.1\r\nhost: localhost\r\n\r\n`);
      });
      socket.on("data", (chunk) => resolve(`answered: ${chunk.toString()}`));
      // The proxy accepts the connection, then closes it without a word (a reset is an error first).
      socket.on("error", () => undefined);
      socket.on("close", () => resolve(connected ? "closed without an answer" : "never connected"));
    });
    expect(outcome).toBe("closed without an answer");
  });
});

describe("the real CLI behind the proxy", () => {
  it("reaches a model endpoint only the proxy can resolve, through HTTP_PROXY (the subscription-token path)", async () => {
    // model.test resolves nowhere in the workspace (no DNS there): the CLI can only reach it through the proxy.
    const modelPaths: string[] = [];
    const standIn = await createModelStandIn({ host: "127.0.0.1", port: 0, pacing: 0, onRequest: (entry) => modelPaths.push(entry.path) });
    const proxy = await startEgressProxy({
      host: "0.0.0.0",
      port: 0,
      allowList: parseAllowList("model.test"),
      protectedPorts: [platformPort],
      isAllowedClient: egress.isWorkspaceAddress,
      containerHostname: "host.docker.internal",
      resolve: async (hostname) => (hostname === "model.test" ? "127.0.0.1" : "203.0.113.1"),
    });
    const firewall = await installEgressFirewall([proxy.port]);
    const proxyUrl = `http://host.docker.internal:${proxy.port}`;
    const runner = new ClaudeRunner({ runtime, credentials: { baseUrl: `http://model.test:${standIn.port}`, apiKey: "stand-in", egressProxyUrl: proxyUrl }, cliIdleMs: 60_000 });
    try {
      const outcome = await runner.runAgentTurn(
        { userId: alice, agentId: "proxied", conversationId: `${prefix}-proxied`, claudeSessionId: randomUUID(), prompt: "compute the sum of 1 to 100 in Python" },
        () => undefined,
      );
      expect(outcome.status).toBe("completed");
      expect(outcome.result?.text).toContain("5050");
      expect(modelPaths).toContain("/v1/messages");
    } finally {
      await runner.shutdown();
      await firewall.close();
      await proxy.close();
      await standIn.close();
    }
  });
});

describe("workspace container hardening", () => {
  it("runs as a non-root user with no capabilities, no-new-privileges, no Docker socket, and limits", async () => {
    const info = await docker.getContainer(aliceWs.id).inspect();
    expect(info.Config.User).toBe("1000:1000");
    expect(info.HostConfig.CapDrop).toEqual(["ALL"]);
    expect(info.HostConfig.CapAdd ?? []).toEqual([]);
    expect(info.HostConfig.Privileged).toBe(false);
    expect(info.HostConfig.SecurityOpt).toContain("no-new-privileges");
    expect(info.HostConfig.Memory).toBe(512 * 1024 * 1024);
    expect(info.HostConfig.MemorySwap).toBe(512 * 1024 * 1024);
    expect(info.HostConfig.NanoCpus).toBe(1e9);
    expect(info.HostConfig.PidsLimit).toBe(256);
    expect((info.Mounts ?? []).map((mount) => mount.Type)).toEqual(["volume"]);
    expect((info.HostConfig.Binds ?? []).length).toBe(0);

    const inside = await inWorkspace(
      aliceWs,
      "id -u; grep -E '^(CapEff|CapPrm|CapBnd|NoNewPrivs)' /proc/self/status | tr -s '\\t ' ' '; test -e /var/run/docker.sock && echo socket || echo no-socket; sudo -n true 2>/dev/null && echo sudo || echo no-sudo",
    );
    expect(inside.stdout.trim().split("\n")).toEqual([
      "1000",
      "CapPrm: 0000000000000000",
      "CapEff: 0000000000000000",
      "CapBnd: 0000000000000000",
      "NoNewPrivs: 1",
      "no-socket",
      "no-sudo",
    ]);
  });

  it("removes the user's network with the workspace", async () => {
    const carol = `${prefix}-carol`;
    await runtime.ensureWorkspace(carol);
    expect((await docker.getNetwork(workspaceNetworkName(carol)).inspect()).Name).toBe(workspaceNetworkName(carol));
    await runtime.deleteUserWorkspace(carol);
    await expect(docker.getNetwork(workspaceNetworkName(carol)).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});

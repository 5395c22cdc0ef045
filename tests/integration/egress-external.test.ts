import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import Docker from "dockerode";
import type { Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { loadConfig } from "../../server/config";
import { createModelStandIn, type ModelStandIn } from "../../server/model-stand-in";
import { createSqliteStore } from "../../server/store/sqlite-store";
import type { PlatformStore } from "../../server/store/store";
import { workspaceContainerName } from "../../server/workspaces/workspace-names";
import { collectRun, connectSocket, finishedOf, freePort, seedGuestWithAgent, startServerProcess, type ServerProcess } from "./support/server-process";
import { removeTestWorkspaces, requireWorkspaceImage } from "./support/test-workspaces";
import { until } from "./support/wait-until";
import { startEgressMain, type EgressProcess } from "./support/egress-process";

/*
 * The egress proxy as its own process (server/egress/egress-main.ts), with the platform server
 * pointed at it by EGRESS_PROXY_URL: the Kubernetes layout (a proxy Deployment beside the
 * servers), run here on Docker. The proxy listens on the host where workspace containers reach it
 * (host.docker.internal) and takes clients from Docker's bridge only; the server starts no proxy,
 * firewall or demo model of its own, holds no model key, and learns from the proxy's /health
 * which model replies come from. Everything stays on this machine: with a "real" key, the model
 * is a stand-in on loopback behind the proxy, so the test sees which key reached it.
 */

const workspaceToken = `egress-external-${randomBytes(24).toString("hex")}`;
const fakeApiKey = `sk-ant-api03-EGRESSFAKE-${randomBytes(16).toString("hex")}`;
const docker = new Docker();


interface EgressHealth {
  status: string;
  model: string;
  modelRequests: number;
}

async function egressHealth(port: number): Promise<EgressHealth | undefined> {
  return fetch(`http://127.0.0.1:${port}/health`).then(
    (response) => (response.ok ? (response.json() as Promise<EgressHealth>) : undefined),
    () => undefined,
  );
}

/** The proxy on the host, for workspaces on Docker's default bridge (WORKSPACE_NETWORK_ISOLATION=false). */
async function egressEnv(ports: { proxy: number; health: number }, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const bridge = await docker.getNetwork("bridge").inspect();
  const subnet = (bridge.IPAM?.Config as { Subnet?: string }[] | undefined)?.find((entry) => entry.Subnet?.includes("."))?.Subnet;
  if (!subnet) throw new Error("Docker's bridge network has no IPv4 subnet");
  return {
    EGRESS_HOST: "0.0.0.0",
    EGRESS_PROXY_PORT: String(ports.proxy),
    EGRESS_HEALTH_PORT: String(ports.health),
    EGRESS_CLIENT_CIDRS: subnet,
    EGRESS_PROXY_HOSTNAME: "host.docker.internal",
    EGRESS_ALLOWLIST: "api.anthropic.com",
    EGRESS_WORKSPACE_TOKEN: workspaceToken,
    ...extra,
  };
}

function serverEnv(ports: { proxy: number; health: number }): Record<string, string> {
  return {
    EGRESS_PROXY_URL: `http://host.docker.internal:${ports.proxy}`,
    EGRESS_HEALTH_PORT: String(ports.health),
    EGRESS_WORKSPACE_TOKEN: workspaceToken,
    WORKSPACE_NETWORK_ISOLATION: "false",
    SCHEDULER_TICK_SECONDS: "0",
  };
}

interface HealthReport {
  status: string;
  checks: Record<string, { status: string; detail?: string; error?: string }>;
  failing: string[];
}

async function serverHealth(server: ServerProcess): Promise<{ status: number; report: HealthReport }> {
  const response = await fetch(`${server.url}/health`);
  return { status: response.status, report: (await response.json()) as HealthReport };
}

/** Runs a shell script in the user's workspace container, as the workspace user; its output. */
async function inWorkspace(userId: string, script: string, ...args: string[]): Promise<string> {
  const exec = await docker.getContainer(workspaceContainerName(userId)).exec({ Cmd: ["sh", "-c", script, "sh", ...args], AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
  docker.modem.demuxStream(stream, stdout, new PassThrough());
  await new Promise((resolve) => stream.on("end", resolve));
  return Buffer.concat(chunks).toString("utf8");
}

/** Each process's environment in the workspace, one record per process. */
async function workspaceProcessEnvs(userId: string): Promise<string[]> {
  const text = await inWorkspace(userId, 'for f in /proc/[0-9]*/environ; do tr "\\0" "\\n" < "$f" 2>/dev/null; echo "=== end"; done');
  return text.split("=== end").map((block) => block.trim()).filter((block) => block !== "");
}

/** The server process's own environment, as the kernel holds it. */
function serverProcessEnv(server: ServerProcess): Map<string, string> {
  const entries = readFileSync(`/proc/${server.child.pid}/environ`, "utf8").split("\0").filter(Boolean);
  return new Map(entries.map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]));
}

async function chat(server: ServerProcess, guest: { token: string; agentId: string }, store: PlatformStore, guestUserId: string, text: string) {
  const conversation = await store.createConversation({ agentId: guest.agentId, ownerId: guestUserId });
  const socket: Socket = await connectSocket(server.url, guest.token);
  try {
    expect(await socket.emitWithAck("conversation:follow", { conversationId: conversation.id, afterSeq: -1 })).toMatchObject({ ok: true });
    const run = collectRun(socket, conversation.id, 170_000);
    const ack = await socket.emitWithAck("conversation:send", { agentId: guest.agentId, conversationId: conversation.id, text, clientMessageId: randomBytes(8).toString("hex") });
    expect(ack).toMatchObject({ ok: true, data: { duplicate: false } });
    return await run;
  } finally {
    socket.disconnect();
  }
}

async function pingOfflineDemoModel(server: ServerProcess, token: string): Promise<unknown> {
  const socket = await connectSocket(server.url, token);
  try {
    const pong = (await socket.emitWithAck("platform:ping", { sentAt: Date.now() })) as { ok: boolean; data?: { offlineDemoModel?: boolean } };
    return pong.data?.offlineDemoModel;
  } finally {
    socket.disconnect();
  }
}

beforeAll(async () => {
  await requireWorkspaceImage(docker, loadConfig({ ...process.env, NODE_ENV: "test" }).WORKSPACE_IMAGE);
});

describe("an egress proxy of its own, without a model key: the offline demo model, served by the proxy", () => {
  let egress: EgressProcess;
  let server: ServerProcess;
  let store: PlatformStore;
  let dataDir: string;
  let guest: { userId: string; token: string; agentId: string };
  const ports = { proxy: 0, health: 0 };

  beforeAll(async () => {
    [ports.proxy, ports.health] = [await freePort(), await freePort()];
    egress = startEgressMain(await egressEnv(ports));
    await until(
      "the egress proxy's /health",
      async () => {
        if (egress.child.exitCode !== null) throw new Error(`the egress proxy exited:\n${egress.output()}`);
        return egressHealth(ports.health);
      },
      60_000,
    );
    dataDir = mkdtempSync(path.join(tmpdir(), "egress-external-demo-"));
    store = createSqliteStore({ file: path.join(dataDir, "platform.sqlite") });
    guest = await seedGuestWithAgent(store);
    server = await startServerProcess({ dataDir, mode: "production", env: serverEnv(ports) });
  }, 180_000);

  afterAll(async () => {
    await server?.stop("SIGKILL");
    if (egress?.child.exitCode === null) egress.child.kill("SIGKILL");
    if (guest) await removeTestWorkspaces(docker, guest.userId);
    await store?.close().catch(() => undefined);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("says on /health and to the browser which model it is, and starts no proxy, firewall or demo model of its own", async () => {
    const health = await serverHealth(server);
    expect(health.status, JSON.stringify(health.report)).toBe(200);
    expect(health.report.checks.egressProxy).toMatchObject({ status: "ok", detail: `model: offline-demo, through the egress proxy at http://host.docker.internal:${ports.proxy}` });
    expect(await pingOfflineDemoModel(server, guest.token)).toBe(true);
    expect(server.output()).toContain("the egress proxy routes model requests to the offline demo model");
    expect(server.output()).not.toContain("workspace egress proxy listening");
    expect(server.output()).not.toContain("offline demo model serving");
    expect((await egressHealth(ports.health))?.model).toBe("offline-demo");
  });

  it("answers a guest's chat on the real CLI in the real workspace, the model request going through the proxy", async () => {
    const before = (await egressHealth(ports.health))!.modelRequests;
    const run = await chat(server, guest, store, guest.userId, "compute the sum of 1 to 100 in Python").catch((error: unknown) => {
      throw new Error(`${String(error)}\n--- server:\n${server.output().slice(-4000)}\n--- egress:\n${egress.output().slice(-2000)}`);
    });
    expect(finishedOf(run)).toMatchObject({ type: "run_finished", status: "complete" });
    expect(run.find((envelope) => envelope.event.type === "tool_result")?.event).toMatchObject({ output: expect.stringContaining("5050"), isError: false });
    expect((await egressHealth(ports.health))!.modelRequests).toBeGreaterThan(before);
    expect(egress.output()).toMatch(/"method":"POST","path":"\/v1\/messages","status":200,[^\n]*"model":"offline-demo","msg":"model request forwarded"/);
  }, 200_000);

  it("gives the workspace's CLI the proxy as its model endpoint and HTTP(S) proxy, and the token as its key", async () => {
    const proxyUrl = `http://host.docker.internal:${ports.proxy}`;
    // The CLI stays alive between messages (CLI_IDLE_MINUTES): its environment is the one it ran with.
    const cliEnvs = (await workspaceProcessEnvs(guest.userId)).filter((env) => env.includes("\nANTHROPIC_BASE_URL=") || env.startsWith("ANTHROPIC_BASE_URL="));
    expect(cliEnvs.length).toBeGreaterThan(0);
    for (const env of cliEnvs) {
      const lines = env.split("\n");
      expect(lines).toEqual(expect.arrayContaining([`ANTHROPIC_API_KEY=${workspaceToken}`, `ANTHROPIC_BASE_URL=${proxyUrl}`, `HTTPS_PROXY=${proxyUrl}`, `http_proxy=${proxyUrl}`]));
      expect(lines.find((line) => line.startsWith("NO_PROXY="))).toContain("host.docker.internal");
      expect(lines.filter((line) => /^(ANTHROPIC_API_KEY|CLAUDE_CODE_OAUTH_TOKEN)=/.test(line))).toEqual([`ANTHROPIC_API_KEY=${workspaceToken}`]);
    }
    const container = await docker.getContainer(workspaceContainerName(guest.userId)).inspect();
    expect(container.Config.Env.filter((entry) => /ANTHROPIC|EGRESS/.test(entry))).toEqual([]);
    // The server holds no model key at all.
    expect(serverProcessEnv(server).get("ANTHROPIC_API_KEY") ?? "").toBe("");
  });
});

describe("a model key on the egress proxy only: it reaches the model, never a workspace or the server", () => {
  // The "real" model: a stand-in on loopback that the proxy forwards to, seeing which key came.
  const keysSeen: string[] = [];
  let model: ModelStandIn;
  let modelFront: http.Server;
  let egress: EgressProcess | undefined;
  let server: ServerProcess;
  let store: PlatformStore;
  let dataDir: string;
  let guest: { userId: string; token: string; agentId: string };
  const ports = { proxy: 0, health: 0 };

  const printEnvironment = {
    id: "print-environment",
    match: (prompt: string) => /print your environment/i.test(prompt),
    steps: [{ tool: { name: "Bash" as const, input: { command: "env", description: "Print the environment" } } }, { text: "{{lastToolResult}}" }],
  };

  beforeAll(async () => {
    model = await createModelStandIn({ host: "127.0.0.1", port: 0, pacing: 0, scripts: [printEnvironment] });
    modelFront = http.createServer((req, res) => {
      keysSeen.push(String(req.headers["x-api-key"] ?? ""));
      const upstream = http.request({ host: "127.0.0.1", port: model.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => modelFront.listen(0, "127.0.0.1", resolve));
    [ports.proxy, ports.health] = [await freePort(), await freePort()];
    dataDir = mkdtempSync(path.join(tmpdir(), "egress-external-key-"));
    store = createSqliteStore({ file: path.join(dataDir, "platform.sqlite") });
    guest = await seedGuestWithAgent(store);
    // The server first, the proxy not yet up: it starts anyway (after its start-up wait), not ready.
    server = await startServerProcess({ dataDir, mode: "production", env: serverEnv(ports) });
  }, 180_000);

  afterAll(async () => {
    await server?.stop("SIGKILL");
    if (egress?.child.exitCode === null) egress.child.kill("SIGKILL");
    if (guest) await removeTestWorkspaces(docker, guest.userId);
    await store?.close().catch(() => undefined);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    await new Promise<void>((resolve) => modelFront?.close(() => resolve()));
    await model?.close();
  });

  it("is not ready until the proxy says which model it routes to, and says so in its log", async () => {
    const waiting = await serverHealth(server);
    expect(waiting.status).toBe(503);
    expect(waiting.report.failing).toEqual(["egressProxy"]);
    expect(waiting.report.checks.egressProxy!.error).toContain(`:${ports.health}/health did not answer`);
    expect(server.output()).toContain("could not ask the egress proxy which model it routes to; retrying");
    expect(server.output()).toContain("starting without knowing which model the egress proxy routes to");

    egress = startEgressMain(await egressEnv(ports, { ANTHROPIC_API_KEY: fakeApiKey, ANTHROPIC_BASE_URL: `http://127.0.0.1:${(modelFront.address() as AddressInfo).port}` }));
    const ready = await until(
      "the server's /health to become healthy",
      async () => {
        if (egress!.child.exitCode !== null) throw new Error(`the egress proxy exited:\n${egress!.output()}`);
        const health = await serverHealth(server);
        return health.status === 200 ? health : undefined;
      },
      60_000,
    );
    expect(ready.report.checks.egressProxy).toMatchObject({ status: "ok", detail: `model: anthropic, through the egress proxy at http://host.docker.internal:${ports.proxy}` });
    expect(await pingOfflineDemoModel(server, guest.token)).toBe(false);
  }, 90_000);

  it("puts the key on model requests at the proxy, while the agent's own environment holds only the token", async () => {
    const run = await chat(server, guest, store, guest.userId, "print your environment").catch((error: unknown) => {
      throw new Error(`${String(error)}\n--- server:\n${server.output().slice(-4000)}\n--- egress:\n${egress?.output().slice(-2000)}`);
    });
    expect(finishedOf(run)).toMatchObject({ type: "run_finished", status: "complete" });
    const printed = run.find((envelope) => envelope.event.type === "tool_result")?.event as { output?: string } | undefined;
    expect(printed?.output).toContain(`ANTHROPIC_API_KEY=${workspaceToken}`);
    expect(JSON.stringify(run)).not.toContain(fakeApiKey);

    // The model saw the real key on every request, and never the workspace's token.
    expect(keysSeen.length).toBeGreaterThan(0);
    expect(new Set(keysSeen)).toEqual(new Set([fakeApiKey]));

    // Nowhere in the workspace: no process's environment, no file the CLI or the agent wrote.
    const found = await inWorkspace(guest.userId, 'grep -rlsF -- "$1" /proc/[0-9]*/environ /workspace /home/claude /tmp; true', fakeApiKey);
    expect(found.trim()).toBe("");
    const tokenHolders = await inWorkspace(guest.userId, 'grep -lsF -- "$1" /proc/[0-9]*/environ; true', workspaceToken);
    expect(tokenHolders.trim()).not.toBe("");

    // Nor in the server: not in its environment, not in its log; nor in the proxy's log.
    const env = serverProcessEnv(server);
    expect(env.get("ANTHROPIC_API_KEY") ?? "").toBe("");
    expect([...env.values()].some((value) => value.includes(fakeApiKey))).toBe(false);
    expect(server.output()).not.toContain(fakeApiKey);
    expect(egress!.output()).not.toContain(fakeApiKey);
    expect(egress!.output()).toContain('"model":"anthropic","msg":"model request forwarded"');
  }, 200_000);
});

import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import type { Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { AgentResponse } from "../../lib/agent-api";
import { workspaceContainerName } from "../../server/workspaces/workspace-names";
import { viaProxy } from "../support/egress-client";
import { collectRun, connectSocket, finishedOf, freePort } from "./support/server-process";
import { removeTestWorkspaces, requireWorkspaceImage } from "./support/test-workspaces";
import { until } from "./support/wait-until";

/*
 * The platform's own image (docker/platform/Dockerfile), built by `npm run image:platform` and run
 * with `docker run` against this machine's engine: Docker's own HEALTHCHECK turns it healthy, and
 * a guest's chat goes through it to the real CLI in a real workspace.
 *
 * How it runs here, and why:
 * - The Docker socket is mounted into the PLATFORM's container (with the socket's group added, the
 *   server being uid 10001): the platform server drives the engine that runs the workspaces. The
 *   rule "containers never get the Docker socket" is about the users' workspaces, which still get
 *   none. On Kubernetes the server talks to the API server and mounts nothing.
 * - --network host, so the offline demo model it serves is where workspaces look for it
 *   (host.docker.internal, the engine's host gateway) and the server listens on loopback only.
 * - WORKSPACE_NETWORK_ISOLATION=false: the Docker runtime's isolation is host-level (per-user
 *   networks plus INPUT rules installed with iptables on the host, tagged per process). A non-root
 *   server in a container cannot install them, and without its own ACCEPT rule the chain that other
 *   platform processes on this machine leave behind would refuse its workspaces' traffic to its
 *   proxy. On Kubernetes the same job falls to a NetworkPolicy and the egress Deployment.
 */

const run = promisify(execFile);
const projectRoot = path.resolve(__dirname, "../..");
const image = process.env.PLATFORM_IMAGE ?? "agent-platform/platform:latest";
const workspaceImage = process.env.WORKSPACE_IMAGE ?? "agent-platform/workspace:latest";
const dockerSocket = "/var/run/docker.sock";
const docker = new Docker({ socketPath: dockerSocket });
const suffix = `${process.pid}-${randomBytes(3).toString("hex")}`;
const platformContainer = `agentdesk-platform-itest-${suffix}`;
const egressContainer = `agentdesk-egress-itest-${suffix}`;

let port: number;
let base: string;
let guestUserId: string | undefined;

async function dockerCli(args: string[], timeoutMs = 60_000): Promise<string> {
  const { stdout } = await run("docker", args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

async function logsOf(container: string): Promise<string> {
  return run("docker", ["logs", "--tail", "60", container], { timeout: 15_000 }).then(
    ({ stdout, stderr }) => `${stdout}${stderr}`,
    (error: unknown) => `(no logs: ${String(error)})`,
  );
}

async function removeContainer(name: string): Promise<void> {
  // A graceful stop first, so the server ends its runs the way it does on a deploy.
  await run("docker", ["stop", "-t", "15", name], { timeout: 30_000 }).catch(() => undefined);
  await run("docker", ["rm", "-f", name], { timeout: 30_000 }).catch(() => undefined);
}

beforeAll(async () => {
  await requireWorkspaceImage(docker, workspaceImage);
  // Builds the app first when there is no build; otherwise the layers cached from the last image
  // leave only what changed to copy (seconds), and an unchanged build is not rebuilt at all.
  const started = Date.now();
  const build = await run("bash", ["scripts/build-platform-image.sh"], {
    cwd: projectRoot,
    env: { ...process.env, PLATFORM_IMAGE: image },
    timeout: 900_000,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: { stdout?: string; stderr?: string }) => {
    throw new Error(`npm run image:platform failed:\n${error.stdout?.slice(-3000) ?? ""}\n${error.stderr?.slice(-3000) ?? ""}`);
  });
  const sizeMb = Math.round(Number(await dockerCli(["image", "inspect", "-f", "{{.Size}}", image])) / 1e6);
  console.log(`[platform-image] ${image}: ${sizeMb} MB, image step ${((Date.now() - started) / 1000).toFixed(1)} s\n${build.stdout.split("\n").filter((line) => line.includes("…")).join("\n")}`);

  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const standInPort = await freePort();
  await dockerCli([
    "run",
    "--detach",
    "--name",
    platformContainer,
    "--network",
    "host",
    "--volume",
    `${dockerSocket}:${dockerSocket}`,
    "--group-add",
    String(statSync(dockerSocket).gid),
    // The image's own HEALTHCHECK command, probed every 2 s instead of 15 s to keep the test short.
    "--health-interval",
    "2s",
    "--env",
    `PORT=${port}`,
    "--env",
    "HOST=127.0.0.1",
    "--env",
    `MODEL_STAND_IN_PORT=${standInPort}`,
    "--env",
    "WORKSPACE_NETWORK_ISOLATION=false",
    "--env",
    `AUTH_SECRET=platform-image-test-${randomBytes(24).toString("hex")}`,
    image,
  ]);
}, 900_000);

afterAll(async () => {
  await removeContainer(platformContainer);
  await removeContainer(egressContainer);
  if (guestUserId) await removeTestWorkspaces(docker, guestUserId);
});

describe("the platform image, run with docker run", () => {
  it("turns healthy by its own HEALTHCHECK, and /health answers 200", async () => {
    const status = await until(
      "Docker to report the platform container healthy",
      async () => {
        const state = JSON.parse(await dockerCli(["inspect", "-f", "{{json .State}}", platformContainer])) as {
          Status: string;
          Health?: { Status: string };
        };
        if (state.Status !== "running") throw new Error(`the platform container is ${state.Status}:\n${await logsOf(platformContainer)}`);
        return state.Health?.Status === "healthy" ? state.Health.Status : null;
      },
      180_000,
    ).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\n${await logsOf(platformContainer)}`);
    });
    expect(status).toBe("healthy");

    const response = await fetch(`${base}/health`);
    const report = (await response.json()) as { status: string; checks: Record<string, { status: string; detail?: string }> };
    expect(response.status).toBe(200);
    expect(report.status).toBe("healthy");
    expect(report.checks.docker).toMatchObject({ status: "ok" });
    expect(report.checks.workspaceImage).toMatchObject({ status: "ok" });
    expect(report.checks.store).toMatchObject({ status: "ok", detail: expect.stringContaining("/app/data") });
    // Pages come from the production build in the image.
    const signIn = await fetch(`${base}/sign-in`);
    expect(signIn.status).toBe(200);
    expect(await signIn.text()).toContain("Continue as guest");
  }, 240_000);

  it("runs as a non-root user and carries no secrets, env files, data, caches, tests or dev packages", async () => {
    const config = JSON.parse(await dockerCli(["image", "inspect", "-f", "{{json .Config}}", image])) as {
      User: string;
      Env: string[];
      ExposedPorts: Record<string, unknown>;
      Healthcheck?: { Test: string[] };
    };
    expect(config.User).toBe("10001:10001");
    expect(Object.keys(config.ExposedPorts)).toEqual(["3000/tcp"]);
    expect(config.Healthcheck?.Test.join(" ")).toContain("/health");
    expect(config.Env.filter((entry) => /KEY|SECRET|TOKEN|PASSWORD|CREDENTIALS/i.test(entry))).toEqual([]);

    const inside = await dockerCli([
      "exec",
      platformContainer,
      "sh",
      "-c",
      [
        "id -u",
        // Anything that should never be in the image, by path; ls prints only what exists.
        "ls -d /app/.env* /app/.cache /app/tests /app/e2e /app/bench /app/test-results /app/.git /app/docker /app/scripts " +
          "/app/.next/dev /app/node_modules/vitest /app/node_modules/eslint /app/node_modules/typescript /app/node_modules/playwright " +
          "/app/node_modules/@anthropic-ai/claude-agent-sdk-linux-x64 2>/dev/null || true",
        "echo data:; ls -A /app/data | grep -v '^platform.sqlite' || true",
        "echo cache:; ls -A /app/.next/cache",
        "echo writable:; find /app -path /app/data -prune -o -path /app/.next/cache -prune -o -writable -print | head -n 5",
      ].join("; "),
    ]);
    const [uid, ...rest] = inside.split("\n");
    expect(uid).toBe("10001");
    // The server wrote only its SQLite files (AUTH_SECRET was given, so no generated secret).
    expect(rest).toEqual(["data:", "cache:", "writable:"]);
  });

  it("serves a guest's chat: the real CLI computes 5050 in the guest's workspace", async () => {
    const guest = await fetch(`${base}/api/auth/guest`, { method: "POST" });
    expect(guest.status).toBe(200);
    const { session_id: token, user_id: userId } = (await guest.json()) as { session_id: string; user_id: string };
    guestUserId = userId;
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };

    const created = await fetch(`${base}/api/agents`, { method: "POST", headers, body: JSON.stringify({ name: "Calculator" }) });
    expect(created.status, await created.clone().text()).toBe(201);
    const { agent } = (await created.json()) as AgentResponse;
    const opened = await fetch(`${base}/api/agents/${agent.id}/conversations`, { method: "POST", headers, body: "{}" });
    expect(opened.status, await opened.clone().text()).toBe(201);
    const { conversation } = (await opened.json()) as { conversation: { id: string } };

    const socket: Socket = await connectSocket(base, token);
    try {
      expect(await socket.emitWithAck("conversation:follow", { conversationId: conversation.id, afterSeq: -1 })).toMatchObject({ ok: true });
      const events = collectRun(socket, conversation.id, 170_000);
      const ack = await socket.emitWithAck("conversation:send", {
        agentId: agent.id,
        conversationId: conversation.id,
        text: "compute the sum of 1 to 100 in Python",
        clientMessageId: "platform-image-1",
      });
      expect(ack).toMatchObject({ ok: true, data: { duplicate: false } });
      const run = await events.catch(async (error: unknown) => {
        throw new Error(`${String(error)}\n${await logsOf(platformContainer)}`);
      });
      const finished = finishedOf(run);
      // A failed run says why in its event and in the platform's log: both, so CI shows the cause.
      if (finished?.status !== "complete") throw new Error(`the run ended ${JSON.stringify(finished)}\n${await logsOf(platformContainer)}`);
      expect(finished).toMatchObject({ type: "run_finished", status: "complete" });
      expect(run.find((envelope) => envelope.event.type === "tool_result")?.event).toMatchObject({ output: expect.stringContaining("5050"), isError: false });
    } finally {
      socket.disconnect();
    }

    // The workspace is the engine's own container, made by the server in the image, with no socket of its own.
    // Found by its name, not a label: a workspace claimed from the warm pool keeps the slot's labels.
    const workspace = await docker.getContainer(workspaceContainerName(userId)).inspect();
    expect(workspace.State.Running).toBe(true);
    expect(workspace.Mounts.map((mount) => mount.Destination)).toEqual(["/workspace"]);
  }, 200_000);

  it("runs the egress proxy from the same image: node dist/egress.js refuses a host off the list and forwards a listed one", async () => {
    const upstream = http.createServer((req, res) => res.end(`upstream ${req.method} ${req.url}`));
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const upstreamPort = (upstream.address() as AddressInfo).port;
    const [proxyPort, healthPort] = [await freePort(), await freePort()];
    try {
      await dockerCli([
        "run",
        "--detach",
        "--name",
        egressContainer,
        "--network",
        "host",
        "--env",
        "EGRESS_HOST=127.0.0.1",
        "--env",
        `EGRESS_PROXY_PORT=${proxyPort}`,
        "--env",
        `EGRESS_HEALTH_PORT=${healthPort}`,
        "--env",
        "EGRESS_CLIENT_CIDRS=10.213.0.0/16",
        "--env",
        "EGRESS_ALLOWLIST=127.0.0.1",
        "--no-healthcheck",
        image,
        "node",
        "dist/egress.js",
      ]);
      await until(
        "the egress proxy's /health",
        () => fetch(`http://127.0.0.1:${healthPort}/health`).then((response) => response.ok, () => false),
        60_000,
      ).catch(async (error: unknown) => {
        throw new Error(`${String(error)}\n${await logsOf(egressContainer)}`);
      });
      expect(await viaProxy(proxyPort, `http://127.0.0.1:${upstreamPort}/listed`)).toEqual({ status: 200, body: "upstream GET /listed" });
      const refused = await viaProxy(proxyPort, "http://elsewhere.example/");
      expect(refused.status).toBe(403);
      expect(refused.body).toContain("elsewhere.example is not on this platform's egress allow-list");
    } finally {
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    }
  }, 120_000);
});

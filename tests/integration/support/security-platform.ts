import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { io as connect, type Socket } from "socket.io-client";

import type { RunEventEnvelope } from "../../../lib/socket-events";
import { loadConfig } from "../../../server/config";
import { createModelStandIn, type ModelStandIn, type Script } from "../../../server/model-stand-in";
import { createPlatform, type Platform } from "../../../server/platform";
import { getPlatformServices } from "../../../server/platform-services";
import { createSocketServer, type PlatformSocketServer } from "../../../server/socket/socket-server";
import { removeTestWorkspaces, requireWorkspaceImage } from "./test-workspaces";

/**
 * The whole platform as `npm start` builds it (isolated workspaces, egress proxy, real CLI), with
 * "real" model credentials pointing at a model stand-in on loopback, so a test can see exactly
 * what the model received (prompt and API key) and give it scripts of its own.
 */

/** Replies with the prompt exactly, so a test sees what reached the model. */
export const echoScript: Script = { id: "echo", match: (prompt) => prompt.startsWith("ECHO:"), steps: [{ text: "{{prompt}}" }] };

export interface SecurityPlatform {
  platform: Platform;
  url: string;
  /** x-api-key of every request the model endpoint received. */
  modelKeys: string[];
  newGuest(): Promise<{ userId: string; token: string }>;
  connectSocket(token: string): Promise<Socket>;
  collectRun(socket: Socket, conversationId: string): Promise<RunEventEnvelope[]>;
  close(): Promise<void>;
}

export async function startSecurityPlatform(options: { env?: Record<string, string>; scripts?: Script[] } = {}): Promise<SecurityPlatform> {
  const docker = new Docker();
  await requireWorkspaceImage(docker, process.env.WORKSPACE_IMAGE ?? "agent-platform/workspace:latest");
  const dataDir = mkdtempSync(path.join(tmpdir(), "security-"));
  const standIn: ModelStandIn = await createModelStandIn({ host: "127.0.0.1", port: 0, pacing: 0, scripts: [echoScript, ...(options.scripts ?? [])] });
  // The model's endpoint as the operator configures it; it records the key each request carried.
  const modelKeys: string[] = [];
  const modelEndpoint = http.createServer((req, res) => {
    modelKeys.push(String(req.headers["x-api-key"] ?? ""));
    const upstream = http.request({ host: "127.0.0.1", port: standIn.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => modelEndpoint.listen(0, "127.0.0.1", resolve));
  const modelPort = (modelEndpoint.address() as AddressInfo).port;

  const config = loadConfig({
    ...process.env,
    NODE_ENV: "test",
    DATA_DIR: dataDir,
    STORE: "sqlite",
    ANTHROPIC_BASE_URL: `http://127.0.0.1:${modelPort}`,
    ANTHROPIC_API_KEY: "sk-ant-test-key-not-real",
    CLAUDE_CODE_OAUTH_TOKEN: "",
    WORKSPACE_MEMORY_MB: "768",
    ...options.env,
  });
  const platform = await createPlatform(config);
  const httpServer = http.createServer();
  const io: PlatformSocketServer = createSocketServer(httpServer, { authenticate: platform.authenticateSocket, handlers: platform.socketHandlers });
  platform.attachSocketServer(io);
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const userIds: string[] = [];

  return {
    platform,
    url,
    modelKeys,
    async newGuest() {
      const { store } = getPlatformServices();
      const user = await store.createUser({ type: "guest" });
      userIds.push(user.id);
      const session = await store.createGuestSession({ userId: user.id, ttlMs: 3_600_000 });
      return { userId: user.id, token: session.id };
    },
    async connectSocket(token) {
      const socket = connect(url, { auth: { token }, transports: ["websocket"], reconnection: false });
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("connect_error", reject);
      });
      return socket;
    },
    collectRun(socket, conversationId) {
      return new Promise((resolve) => {
        const events: RunEventEnvelope[] = [];
        const onEvent = (envelope: RunEventEnvelope) => {
          if (envelope.conversationId !== conversationId) return;
          events.push(envelope);
          if (envelope.event.type === "run_finished") {
            socket.off("conversation:event", onEvent);
            resolve(events);
          }
        };
        socket.on("conversation:event", onEvent);
      });
    },
    async close() {
      await new Promise<void>((resolve) => io.close(() => resolve()));
      const { runtime } = getPlatformServices();
      await platform.shutdown();
      for (const userId of userIds) await runtime.deleteUserWorkspace(userId).catch(() => undefined);
      for (const userId of userIds) await removeTestWorkspaces(docker, userId);
      await new Promise<void>((resolve) => modelEndpoint.close(() => resolve()));
      await standIn.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

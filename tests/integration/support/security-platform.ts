import http from "node:http";
import type { AddressInfo } from "node:net";
import Docker from "dockerode";
import type { Socket } from "socket.io-client";

import type { RunEventEnvelope } from "../../../lib/socket-events";
import { createModelStandIn, type ModelStandIn, type Script } from "../../../server/model-stand-in";
import type { Platform } from "../../../server/platform";
import { collectRun, startTestPlatform } from "./test-platform";
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

  const testPlatform = await startTestPlatform({
    name: "security",
    env: {
      STORE: "sqlite",
      ANTHROPIC_BASE_URL: `http://127.0.0.1:${modelPort}`,
      ANTHROPIC_API_KEY: "sk-ant-test-key-not-real",
      WORKSPACE_MEMORY_MB: "768",
      ...options.env,
    },
  });
  const userIds: string[] = [];

  return {
    platform: testPlatform.platform,
    url: testPlatform.url,
    modelKeys,
    async newGuest() {
      const guest = await testPlatform.newGuest();
      userIds.push(guest.userId);
      return guest;
    },
    connectSocket: (token) => testPlatform.connectSocket(token),
    collectRun,
    async close() {
      await testPlatform.close();
      for (const userId of userIds) await removeTestWorkspaces(docker, userId);
      await new Promise<void>((resolve) => modelEndpoint.close(() => resolve()));
      await standIn.close();
    },
  };
}

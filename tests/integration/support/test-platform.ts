import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Socket } from "socket.io-client";
import { loadConfig } from "../../../server/config";
import { createPlatform, type Platform } from "../../../server/platform";
import { createSocketServer, type PlatformSocketServer } from "../../../server/socket/socket-server";
import { connectSocket } from "./server-process";

// One socket client and one run collector for every integration test (with a timeout and what was seen).
export { collectRun, connectSocket } from "./server-process";

/**
 * The platform as server.ts builds it (store, workspaces, real CLI, scheduler, Socket.IO), in the
 * test's own process on a free port, without Next.js: the REST routes are called directly. By
 * default it answers with the offline demo model; `env` overrides any setting.
 */
export interface TestPlatform {
  platform: Platform;
  io: PlatformSocketServer;
  url: string;
  dataDir: string;
  /** A guest user with a bearer session; their workspace is deleted by close(). */
  newGuest(): Promise<{ userId: string; token: string }>;
  connectSocket(token: string): Promise<Socket>;
  close(): Promise<void>;
}

export interface TestPlatformOptions {
  /** Prefix of the temporary data directory, to tell test runs apart. */
  name: string;
  env?: Record<string, string>;
  /** Plain HTTP requests that are not Socket.IO's (e.g. /metrics); 404 otherwise. */
  handleRequest?(request: IncomingMessage, response: ServerResponse): void;
}

export async function startTestPlatform(options: TestPlatformOptions): Promise<TestPlatform> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `${options.name}-`));
  const config = loadConfig({
    ...process.env,
    NODE_ENV: "test",
    DATA_DIR: dataDir,
    ANTHROPIC_API_KEY: "",
    ANTHROPIC_BASE_URL: "",
    CLAUDE_CODE_OAUTH_TOKEN: "",
    // Tests share one engine: a platform's warm pool would outlive it. The pool's own tests turn it on.
    WORKSPACE_WARM_POOL: "0",
    ...options.env,
  });
  const platform = await createPlatform(config);
  const httpServer = createServer((request, response) => {
    if (options.handleRequest) return options.handleRequest(request, response);
    // Socket.IO answers its own path before this listener runs; everything else is unknown here.
    if (!request.url?.startsWith("/socket.io")) response.writeHead(404).end();
  });
  const io = createSocketServer(httpServer, platform.socketServer);
  platform.attachSocketServer(io);
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const userIds: string[] = [];
  const sockets: Socket[] = [];

  return {
    platform,
    io,
    url,
    dataDir,
    async newGuest() {
      const { store } = platform.services;
      const user = await store.createUser({ type: "guest" });
      userIds.push(user.id);
      const session = await store.createGuestSession({ userId: user.id, ttlMs: 3_600_000 });
      return { userId: user.id, token: session.id };
    },
    async connectSocket(token) {
      const socket = await connectSocket(url, token);
      sockets.push(socket);
      return socket;
    },
    async close() {
      for (const socket of sockets) socket.disconnect();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      const { runtime } = platform.services;
      await platform.shutdown();
      for (const userId of userIds) await runtime.deleteUserWorkspace(userId).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

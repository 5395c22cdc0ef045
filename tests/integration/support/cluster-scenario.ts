import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { io as connect, type Socket } from "socket.io-client";
import type { Conversation } from "../../../lib/records";
import { loadConfig } from "../../../server/config";
import { createSqliteStore } from "../../../server/store/sqlite-store";
import type { PlatformStore } from "../../../server/store/store";
import { startNginx, type NginxServer } from "./nginx";
import { startRedisServer, type RedisServer } from "./redis-server";
import { seedGuestWithAgent, startServerProcess, type ServerProcess } from "./server-process";
import { removeTestWorkspaces, requireWorkspaceImage } from "./test-workspaces";

/**
 * Several real server processes (server/server.ts) sharing one real Redis and one store (a SQLite
 * file in WAL mode, as `npm run cluster` runs them on one machine), behind the real nginx with the
 * configuration we ship, and a guest with one agent seeded into the store.
 */
export interface ClusterScenario {
  readonly redis: RedisServer;
  readonly nginx: NginxServer;
  readonly store: PlatformStore;
  readonly docker: Docker;
  readonly guest: { userId: string; token: string; agentId: string };
  /** The replicas by index; an entry is replaced by restartReplica(). */
  readonly replicas: ServerProcess[];
  instanceIdOf(index: number): string;
  /** Starts replica `index` again on its port, data and INSTANCE_ID, once the last one ended. */
  restartReplica(index: number): Promise<ServerProcess>;
  newConversation(): Promise<Conversation>;
  close(): Promise<void>;
}

export interface ClusterScenarioOptions {
  name: string;
  replicas: number;
  env?: Record<string, string>;
}

const projectRoot = path.resolve(__dirname, "../../..");

export async function startClusterScenario(options: ClusterScenarioOptions): Promise<ClusterScenario> {
  // npm test builds before the integration tests; run on its own, the replicas need a build too.
  if (!existsSync(path.join(projectRoot, ".next", "BUILD_ID"))) {
    execFileSync("npx", ["next", "build"], { cwd: projectRoot, stdio: "inherit", env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" } });
  }
  const docker = new Docker();
  await requireWorkspaceImage(docker, loadConfig({ ...process.env, NODE_ENV: "test" }).WORKSPACE_IMAGE);
  const dataDir = mkdtempSync(path.join(tmpdir(), `${options.name}-`));
  const store = createSqliteStore({ file: path.join(dataDir, "platform.sqlite") });
  const guest = await seedGuestWithAgent(store);
  const redis = await startRedisServer();
  const instanceIdOf = (index: number) => `${options.name}-replica-${index + 1}`;
  const envOf = (index: number) => ({
    REDIS_URL: redis.url,
    INSTANCE_ID: instanceIdOf(index),
    SCHEDULER_TICK_SECONDS: "0",
    ...options.env,
  });
  const replicas: ServerProcess[] = [];
  let nginx: NginxServer;
  try {
    // One at a time: the first sets up the host's firewall chain the others then share.
    for (let index = 0; index < options.replicas; index += 1) {
      replicas.push(await startServerProcess({ dataDir, env: envOf(index), mode: "production" }));
    }
    nginx = await startNginx({ upstreams: replicas.map((replica) => replica.port) });
  } catch (error) {
    // A cluster that did not come up leaves nothing running behind it.
    await Promise.all(replicas.map((replica) => replica.stop("SIGKILL")));
    await redis.stop().catch(() => undefined);
    await store.close().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }

  return {
    redis,
    nginx,
    store,
    docker,
    guest,
    replicas,
    instanceIdOf,
    async restartReplica(index) {
      const replica = await startServerProcess({ dataDir, port: replicas[index]!.port, env: envOf(index), mode: "production" });
      replicas[index] = replica;
      return replica;
    },
    newConversation: () => store.createConversation({ agentId: guest.agentId, ownerId: guest.userId }),
    async close() {
      await Promise.all(replicas.map((replica) => replica.stop("SIGKILL")));
      await nginx.stop().catch(() => undefined);
      await redis.stop().catch(() => undefined);
      await store.close().catch(() => undefined);
      await removeTestWorkspaces(docker, guest.userId);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A browser tab's socket: it reconnects by itself (through nginx, to whichever replica answers)
 * and follows the conversation again from the last event it saw, as the chat page does.
 */
export function connectFollowingTab(url: string, token: string, conversationId: string): { socket: Socket; lastSeq(): number; ready: Promise<void> } {
  let lastSeq = -1;
  const socket = connect(url, { auth: { token }, transports: ["websocket"], reconnectionDelay: 200, reconnectionDelayMax: 1_000, timeout: 10_000 });
  socket.on("conversation:event", (envelope: { conversationId: string; seq: number }) => {
    if (envelope.conversationId === conversationId) lastSeq = Math.max(lastSeq, envelope.seq);
  });
  const ready = new Promise<void>((resolve, reject) => {
    socket.once("connect_error", reject);
    socket.on("connect", () => {
      void socket.emitWithAck("conversation:follow", { conversationId, afterSeq: lastSeq }).then(() => resolve());
    });
  });
  return { socket, lastSeq: () => lastSeq, ready };
}

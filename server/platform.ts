import Docker from "dockerode";
import { setTimeout as delay } from "node:timers/promises";
import type { PlatformConfig } from "./config";
import { usesOfflineDemoModel } from "./config";
import type { HealthCheck } from "./http/health";
import { dockerEngineCheck, workspaceImageCheck } from "./health-checks";
import type { SocketAuthenticator, PlatformSocketServer } from "./socket/socket-server";
import type { SocketEventHandlers } from "./socket/socket-handlers";
import { logger } from "./logger";
import { createModelStandIn, type ModelStandIn } from "./model-stand-in";
import { createStore } from "./store/create-store";
import { resolveStoreConfig } from "./store/store-config";
import { DockerWorkspaceRuntime, dockerWorkspaceOptionsFromConfig } from "./workspaces/docker-workspace-runtime";
import { WorkspaceActivity } from "./workspaces/workspace-activity";
import { startIdleSweeper } from "./workspaces/workspace-idle-sweeper";
import { ClaudeRunner, claudeRunnerOptionsFromConfig } from "./claude/claude-runner";
import { ConversationService } from "./conversations/conversation-service";
import { createInMemoryRunEventLog } from "./conversations/run-event-log";
import { findTurnImages } from "./conversations/turn-images";
import { recoverInterruptedRuns } from "./conversations/run-recovery";
import { registerPlatformServices } from "./platform-services";
import { onAgentDeleted } from "./agents/agent-deleted-hooks";
import { onUserMerged } from "./auth/user-merge-hooks";
import { moveWorkspaceFiles } from "./workspaces/workspace-merge";
import { agentPaths } from "./workspaces/workspace-names";
import { getAuthConfig } from "./auth/auth-config";
import { getAuthDependencies } from "./auth/auth-dependencies";
import { createSocketAuthenticator } from "./auth/socket-authenticator";

/** The composition root: builds every service once and hands the server what it serves. */
export interface Platform {
  offlineDemoModel: boolean;
  healthChecks: Record<string, HealthCheck>;
  authenticateSocket: SocketAuthenticator;
  socketHandlers: SocketEventHandlers;
  attachSocketServer(io: PlatformSocketServer): void;
  shutdown(): Promise<void>;
}

export function createDockerClient(config: PlatformConfig): Docker {
  if (config.DOCKER_HOST?.startsWith("tcp://")) {
    const url = new URL(config.DOCKER_HOST);
    return new Docker({ host: url.hostname, port: Number(url.port || 2375) });
  }
  const socketPath = config.DOCKER_HOST?.startsWith("unix://") ? config.DOCKER_HOST.slice("unix://".length) : "/var/run/docker.sock";
  return new Docker({ socketPath });
}

function storeConfigOf(config: PlatformConfig) {
  const { STORE, DATA_DIR, SQLITE_FILE, FIRESTORE_EMULATOR_HOST, GOOGLE_APPLICATION_CREDENTIALS, GOOGLE_CLOUD_PROJECT, FIRESTORE_DATABASE_ID } = config;
  return resolveStoreConfig({ STORE, DATA_DIR, SQLITE_FILE, FIRESTORE_EMULATOR_HOST, GOOGLE_APPLICATION_CREDENTIALS, GOOGLE_CLOUD_PROJECT, FIRESTORE_DATABASE_ID });
}

export async function createPlatform(config: PlatformConfig): Promise<Platform> {
  const docker = createDockerClient(config);
  const offlineDemoModel = usesOfflineDemoModel(config);
  // Fails fast on a bad sign-in setting, and creates the session secret before Next needs it.
  getAuthConfig();
  const store = await createStore(storeConfigOf(config));
  await recoverInterruptedRuns(store);
  const activity = new WorkspaceActivity();
  const runtime = new DockerWorkspaceRuntime(docker, dockerWorkspaceOptionsFromConfig(config, activity));
  const runner = new ClaudeRunner(claudeRunnerOptionsFromConfig(config, runtime, activity));
  const eventLog = createInMemoryRunEventLog();
  const sweeper = startIdleSweeper({ runtime, activity, idleMs: config.WORKSPACE_IDLE_MINUTES * 60_000 });

  // Without credentials the CLI talks to the offline demo model, served here for the containers.
  let demoModel: ModelStandIn | undefined;
  if (offlineDemoModel) {
    demoModel = await createModelStandIn({ host: "0.0.0.0", port: config.MODEL_STAND_IN_PORT });
    logger.info({ url: demoModel.url }, "offline demo model serving (no ANTHROPIC_API_KEY configured)");
  }

  let io: PlatformSocketServer | undefined;
  const conversations = new ConversationService({
    store,
    runner,
    eventLog,
    defaultModel: config.DEFAULT_MODEL,
    findTurnImages: (userId, agentId, sinceMs) => findTurnImages(runtime, userId, agentId, sinceMs),
    publish: (envelope) => io?.to(`conversation:${envelope.conversationId}`).emit("conversation:event", envelope),
  });
  // A deleted agent's folder and Claude state go with it; the rest of the user's workspace stays.
  const stopRemovingAgentFiles = onAgentDeleted(async (ownerId, agentId) => {
    const workspace = await runtime.ensureWorkspace(ownerId);
    const paths = agentPaths(agentId);
    await runtime.exec(workspace, ["rm", "-rf", "--", paths.workdir, paths.claudeConfigDir], { timeoutMs: 60_000 });
  });
  const stopMovingGuestFiles = onUserMerged((fromUserId, toUserId) =>
    moveWorkspaceFiles(docker, runtime, config.WORKSPACE_IMAGE, fromUserId, toUserId).then(() => undefined),
  );
  registerPlatformServices({ config, store, runtime, conversations, offlineDemoModel });

  return {
    offlineDemoModel,
    healthChecks: {
      docker: dockerEngineCheck(docker),
      store: () => store.ping(),
      workspaceImage: workspaceImageCheck(docker, config.WORKSPACE_IMAGE),
    },
    authenticateSocket: createSocketAuthenticator(getAuthDependencies),
    socketHandlers: {
      "platform:ping": (payload) => ({
        serverTime: new Date().toISOString(),
        roundTripStartedAt: payload.sentAt,
        offlineDemoModel,
      }),
      "conversation:send": (payload, socket) => conversations.sendMessage({ userId: socket.data.userId }, payload),
      "conversation:stop": (payload, socket) => conversations.stopRun({ userId: socket.data.userId }, payload.conversationId),
      "conversation:follow": async (payload, socket) => {
        const user = { userId: socket.data.userId };
        await conversations.conversationForOwner(user, payload.conversationId);
        // Join before replaying: an event published in between then arrives twice, never zero
        // times, and the client drops what it has already seen by sequence number.
        await socket.join(`conversation:${payload.conversationId}`);
        return conversations.follow(user, payload.conversationId, payload.afterSeq, (envelope) => socket.emit("conversation:event", envelope));
      },
      "conversation:unfollow": async (payload, socket) => {
        await socket.leave(`conversation:${payload.conversationId}`);
        return null;
      },
    },
    attachSocketServer: (server) => {
      io = server;
    },
    shutdown: async () => {
      sweeper.stop();
      stopRemovingAgentFiles();
      stopMovingGuestFiles();
      await runner.shutdown();
      // Ended runs store their replies (interrupted) before the store closes.
      await Promise.race([conversations.settled(), delay(3_000)]);
      await demoModel?.close();
      await store.close();
    },
  };
}

import Docker from "dockerode";
import { setTimeout as delay } from "node:timers/promises";
import type { PlatformConfig } from "./config";
import { usesOfflineDemoModel } from "./config";
import type { HealthCheck } from "./http/health";
import type { PlatformSocketServer, SocketServerOptions } from "./socket/socket-server";
import { logger } from "./logger";
import { createModelStandIn, type ModelStandIn } from "./model-stand-in";
import { createStore } from "./store/create-store";
import type { PlatformStore } from "./store/store";
import type { WorkspaceRuntime } from "./workspaces/workspace-runtime";
import { resolveStoreConfig } from "./store/store-config";
import { attachWorkspaceDisks, createWorkspaceRuntime, startWarmPool, workspaceRuntimeHealthChecks } from "./workspaces/create-workspace-runtime";
import { startIdleSweeper } from "./workspaces/workspace-idle-sweeper";
import { scheduledRunDueSoon } from "./workspaces/scheduled-runs-due";
import { platformMetrics } from "./metrics/platform-metrics";
import { platformMetricSources } from "./metrics/metric-sources";
import { adoptWorkspaces } from "./workspaces/workspace-adoption";
import { ClaudeRunner, claudeRunnerOptionsFromConfig } from "./claude/claude-runner";
import { ConversationService } from "./conversations/conversation-service";
import { findTurnFiles } from "./conversations/turn-images";
import { recoverInterruptedRuns } from "./conversations/run-recovery";
import { startRunLeaseKeeper } from "./conversations/run-leases";
import { conversationRoom, createClusterParts, endCutOffProcesses, roomHasSockets } from "./cluster/cluster";
import { createClusterMessageRouter, createLocalMessageRouter, type MessageRouter } from "./cluster/message-router";
import { Scheduler } from "./schedules/scheduler";
import { createRunFinishedReactions, type RunFinishedReactions } from "./notifications/run-finished-reactions";
import { notifyScheduledStartFailed } from "./notifications/run-notifications";
import type { Notification } from "../lib/records";
import { registerPlatformServices, type PlatformServices } from "./platform-services";
import { createAgentService } from "./agents/agent-service";
import { createAgentVersionService } from "./agents/agent-versions";
import { createScheduleService } from "./schedules/schedule-service";
import { webhookTargetRefusal } from "./notifications/webhook-delivery";
import { createShareService } from "./sharing/share-service";
import { createNotificationService } from "./notifications/notification-service";
import { agentFileLimitsFrom, createAgentFileService } from "./files/agent-files";
import { createGuestSignupGate, type GuestSignupGate } from "./limits/guest-signups";
import { onUserMerged } from "./auth/user-merge-hooks";
import { copyWorkspaceFilesThroughRuntime, moveWorkspaceFiles } from "./workspaces/workspace-merge";
import { agentPaths } from "./workspaces/workspace-names";
import { getAuthConfig } from "./auth/auth-config";
import { getAuthDependencies } from "./auth/auth-dependencies";
import { createSocketAuthenticator, createSocketRequestCheck, createSocketSessionCheck } from "./auth/socket-authenticator";
import { startWorkspaceEgress } from "./egress/workspace-egress";
import { connectExternalEgress } from "./egress/external-egress";

/** The composition root: builds every service once and hands the server what it serves. */
export interface Platform {
  offlineDemoModel: boolean;
  /** What route handlers reach through platform-services.ts; in-process tests use it directly. */
  services: PlatformServices;
  healthChecks: Record<string, HealthCheck>;
  /** Everything the Socket.IO server is built with: who may connect, the session check, the handlers. */
  socketServer: SocketServerOptions;
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
  const STORE_TIMEOUT_SECONDS = String(config.STORE_TIMEOUT_SECONDS);
  return resolveStoreConfig({ STORE, DATA_DIR, SQLITE_FILE, FIRESTORE_EMULATOR_HOST, GOOGLE_APPLICATION_CREDENTIALS, GOOGLE_CLOUD_PROJECT, FIRESTORE_DATABASE_ID, STORE_TIMEOUT_SECONDS });
}

/** What the domain services are built from: the parts createPlatform starts (tests start some themselves). */
export interface PlatformParts {
  config: PlatformConfig;
  store: PlatformStore;
  runtime: WorkspaceRuntime;
  conversations: ConversationService;
  /** Where a message or Stop goes (another server, when the conversation lives there); default: here. */
  messages?: MessageRouter;
  /** Counted across servers when they share Redis; default: in this process. */
  guestSignups?: GuestSignupGate;
  scheduler?: Scheduler;
  offlineDemoModel: boolean;
}

/** Builds every domain service once, each from exactly what it needs. */
export function composePlatformServices(parts: PlatformParts): PlatformServices {
  const { config, store, runtime, conversations } = parts;
  const agents = createAgentService({
    store,
    activeRunId: (conversationId) => conversations.activeRunIdAnywhere(conversationId),
    // A deleted agent's folder and Claude state go with it; the rest of the user's workspace stays.
    removeAgentFiles: async (ownerId, agentId) => {
      const workspace = await runtime.ensureWorkspace(ownerId);
      const paths = agentPaths(agentId);
      await runtime.exec(workspace, ["rm", "-rf", "--", paths.workdir, paths.claudeConfigDir], { timeoutMs: 60_000 });
    },
    defaultModel: config.DEFAULT_MODEL,
    maxAgentsPerUser: config.MAX_AGENTS_PER_USER,
    scheduleMinIntervalSeconds: config.SCHEDULE_MIN_INTERVAL_SECONDS,
    webhookTargetRefusal: config.WEBHOOK_ALLOW_PRIVATE_TARGETS ? undefined : webhookTargetRefusal,
  });
  const files = createAgentFileService({ store, runtime, limits: agentFileLimitsFrom(config) });
  return {
    ...parts,
    messages: parts.messages ?? createLocalMessageRouter(conversations),
    agents,
    versions: createAgentVersionService({ store, agents }),
    schedules: createScheduleService({ store, scheduler: parts.scheduler }),
    sharing: createShareService({ store, agents, files }),
    files,
    notifications: createNotificationService({ store }),
    guestSignups: parts.guestSignups ?? createGuestSignupGate(config.GUEST_SIGNUPS_PER_HOUR),
  };
}

export async function createPlatform(config: PlatformConfig): Promise<Platform> {
  const docker = createDockerClient(config);
  // Fails fast on a bad sign-in setting, and creates the session secret before Next needs it.
  getAuthConfig();
  const store = await createStore(storeConfigOf(config));
  const cluster = createClusterParts(config);
  const { instanceId } = cluster;
  const activity = cluster.activity.local;
  // Docker by default; Kubernetes pods with WORKSPACE_RUNTIME=kubernetes (same interface).
  const runtime = createWorkspaceRuntime(config, { activity, instanceId, docker });
  // This server's runs from before a restart (same INSTANCE_ID) and runs whose server's lease
  // lapsed are cut off; another live server's runs are left alone.
  const recovered = await recoverInterruptedRuns(store, {
    instanceId,
    claim: cluster.claimRecovery,
    onRecovered: (run) => endCutOffProcesses(runtime, run),
  });
  await attachWorkspaceDisks(runtime).catch((error: unknown) => logger.error({ err: error }, "could not attach the workspace disks"));
  // Before any message is taken: the previous server's containers become ours, its orphaned CLIs end.
  await adoptWorkspaces(runtime, cluster.activity.view, recovered.ownerIds).catch((error: unknown) =>
    logger.warn({ err: error }, "could not adopt the existing workspaces (is the Docker engine up?)"),
  );
  // With EGRESS_PROXY_URL the egress proxy runs on its own (egress-main.ts; a Deployment on
  // Kubernetes) and holds the model key, serving the offline demo model itself when it has none:
  // nothing of it starts here, and it is asked which model it routes to (not ready until it says).
  const externalEgress = config.EGRESS_PROXY_URL ? await connectExternalEgress(config) : undefined;
  // Without credentials the CLI talks to the offline demo model, served here for the containers
  // (on loopback when workspaces are isolated: they reach it through the egress proxy's model route).
  let demoModel: ModelStandIn | undefined;
  if (!externalEgress && usesOfflineDemoModel(config)) {
    demoModel = await createModelStandIn({ host: config.WORKSPACE_NETWORK_ISOLATION ? "127.0.0.1" : "0.0.0.0", port: config.MODEL_STAND_IN_PORT });
    logger.info({ url: demoModel.url }, "offline demo model serving (no ANTHROPIC_API_KEY configured)");
  }
  // A workspace's only way out: the egress proxy (allow-list; the model key stays here) behind the host firewall.
  const egress = !externalEgress && config.WORKSPACE_NETWORK_ISOLATION ? await startWorkspaceEgress(config, { demoModelPort: demoModel?.port }) : undefined;
  // As known at start-up; the label and the ping ask again (an external proxy may answer later).
  const offlineDemoModel = usesOfflineDemoModel(config);
  const runnerOptions = claudeRunnerOptionsFromConfig(config, runtime, activity);
  const runner = new ClaudeRunner(egress ? { ...runnerOptions, credentials: egress.credentials } : runnerOptions);
  logger.info(
    { liveCliCap: runner.liveCliCap, cliStartCap: runner.cliStartCap, configured: config.MAX_LIVE_CLIS !== undefined || config.MAX_CLI_STARTS !== undefined },
    "live and booting CLI processes capped",
  );
  // Made while no CLI is starting or waiting to (ClaudeRunner.busy), one at a time; left for the next start on shutdown.
  const warmPool = startWarmPool(config, runtime, () => runner.busy);
  const sweeper = startIdleSweeper({
    runtime,
    activity: cluster.activity.view,
    idleMs: config.WORKSPACE_IDLE_MINUTES * 60_000,
    hasScheduledRunDueSoon: scheduledRunDueSoon({ store }),
  });

  let io: PlatformSocketServer | undefined;
  // Set once the scheduler exists; a run cannot finish before that.
  let reactToFinishedRun: RunFinishedReactions | undefined = undefined;
  const conversations = new ConversationService({
    store,
    runner,
    eventLog: cluster.eventLog,
    placement: cluster.placement,
    instanceId,
    runLeaseMs: config.RUN_LEASE_SECONDS * 1_000,
    defaultModel: config.DEFAULT_MODEL,
    findTurnFiles: (userId, agentId, sinceMs) => findTurnFiles(runtime, userId, agentId, sinceMs),
    publish: (envelope) => cluster.publishRunEvent(io, envelope),
    onRunFinished: (finished) => reactToFinishedRun?.(finished),
    limits: cluster.limits,
  });
  platformMetrics().setSources(
    platformMetricSources({
      runner,
      runtime,
      activity: cluster.activity.view,
      socketsConnected: () => io?.engine.clientsCount ?? 0,
      warmPoolReady: () => warmPool.readyCount(),
    }),
  );
  const deliverNotification = (notification: Notification) => io?.to(`user:${notification.userId}`).emit("notification:new", notification);
  const scheduler = new Scheduler({
    store,
    conversations,
    instanceId,
    tickSeconds: config.SCHEDULER_TICK_SECONDS,
    onStartFailed: (agent, _schedule, reason) => notifyScheduledStartFailed(agent, reason, { store, deliver: deliverNotification }).then(() => undefined),
  });
  reactToFinishedRun = createRunFinishedReactions({
    store,
    scheduler,
    deliverNotification,
    conversationHasFollowers: (conversationId) => roomHasSockets(io, conversationRoom(conversationId)),
    webhook: { allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS },
  });
  const stopMovingGuestFiles = onUserMerged((fromUserId, toUserId) =>
    (config.WORKSPACE_RUNTIME === "docker"
      ? moveWorkspaceFiles(docker, runtime, config.WORKSPACE_IMAGE, fromUserId, toUserId)
      : copyWorkspaceFilesThroughRuntime(runtime, fromUserId, toUserId)
    ).then(() => undefined),
  );
  const router = cluster.placement
    ? createClusterMessageRouter({ conversations, placement: cluster.placement, instanceId, runtime })
    : undefined;
  const messages = router ?? createLocalMessageRouter(conversations);
  const services = composePlatformServices({ config, store, runtime, conversations, messages, scheduler, offlineDemoModel, guestSignups: cluster.guestSignups });
  registerPlatformServices(services);
  const leases = startRunLeaseKeeper({
    store,
    instanceId,
    leaseMs: config.RUN_LEASE_SECONDS * 1_000,
    runsHere: () => conversations.runsHere(),
    recovery: {
      claim: cluster.claimRecovery,
      onRecovered: async (run) => {
        await endCutOffProcesses(runtime, run);
        await conversations.announceRecovered(run);
      },
    },
  });
  scheduler.start();

  return {
    get offlineDemoModel() {
      return usesOfflineDemoModel(config);
    },
    services,
    healthChecks: {
      ...workspaceRuntimeHealthChecks(config, runtime, docker),
      store: () => store.ping(),
      ...cluster.healthChecks,
      ...externalEgress?.healthChecks,
    },
    socketServer: {
      authenticate: createSocketAuthenticator(getAuthDependencies),
      checkRequest: createSocketRequestCheck(getAuthDependencies),
      checkSession: createSocketSessionCheck(getAuthDependencies),
      handlers: {
        "platform:ping": (payload) => ({
          serverTime: new Date().toISOString(),
          roundTripStartedAt: payload.sentAt,
          offlineDemoModel: usesOfflineDemoModel(config),
        }),
        "conversation:send": (payload, socket) => messages.send({ userId: socket.data.userId }, payload),
        "conversation:stop": (payload, socket) => messages.stop({ userId: socket.data.userId }, payload.conversationId),
        "conversation:follow": async (payload, socket) => {
          const user = { userId: socket.data.userId };
          await conversations.conversationForOwner(user, payload.conversationId);
          // Join before replaying: an event published in between then arrives twice, never zero
          // times, and the client drops what it has already seen by sequence number.
          await socket.join(conversationRoom(payload.conversationId));
          return conversations.follow(user, payload.conversationId, payload.afterSeq, (envelope) => socket.emit("conversation:event", envelope));
        },
        "conversation:unfollow": async (payload, socket) => {
          await socket.leave(conversationRoom(payload.conversationId));
          return null;
        },
      },
    },
    attachSocketServer: (server) => {
      io = server;
      cluster.attachSocketServer(server);
      router?.attach(server);
      egress?.refuseWorkspaceClients(server.httpServer);
    },
    shutdown: async () => {
      platformMetrics().setSources(undefined);
      await scheduler.stop();
      await leases.stop();
      sweeper.stop();
      await warmPool.stop();
      stopMovingGuestFiles();
      await runner.shutdown();
      // Ended runs store their replies (interrupted) before the store closes.
      await Promise.race([conversations.settled(), delay(3_000)]);
      await egress?.close();
      await externalEgress?.close();
      await demoModel?.close();
      await store.close();
      await cluster.close();
    },
  };
}

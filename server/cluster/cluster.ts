import { hostname } from "node:os";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import type { Redis } from "ioredis";
import type { Run } from "../../lib/records";
import type { RunEventEnvelope } from "../../lib/socket-events";
import type { PlatformConfig } from "../config";
import type { ConversationPlacement } from "../conversations/conversation-placement";
import { createInMemoryRunEventLog, type RunEventLog } from "../conversations/run-event-log";
import type { HealthCheck } from "../http/health";
import { logger } from "../logger";
import type { PlatformSocketServer } from "../socket/socket-server";
import { createRedisConversationPlacement } from "./redis-conversation-placement";
import { connectRedis, redactedRedisUrl, redisCheck } from "./redis-connection";
import { createRedisRunEventLog } from "./redis-run-event-log";
import { endServerProcesses } from "../workspaces/server-processes";
import { createRedisWorkspaceActivity } from "../workspaces/redis-workspace-activity";
import { WorkspaceActivity, type WorkspaceActivityView } from "../workspaces/workspace-activity";
import { createConversationLimits, type ConversationLimits } from "../limits/usage-quotas";
import { createRedisConversationLimits } from "../limits/redis-conversation-limits";
import { createGuestSignupGate, type GuestSignupGate } from "../limits/guest-signups";
import { createRedisGuestSignupGate } from "../limits/redis-guest-signups";
import type { WorkspaceRuntime } from "../workspaces/workspace-runtime";

/**
 * What changes when several servers share the people: one process keeps all of it in memory;
 * with REDIS_URL, rooms (the Socket.IO adapter), run events, conversation placement and the
 * limits live in Redis. Everything else in the platform is the same either way.
 */
export interface ClusterParts {
  instanceId: string;
  /** Unset: this server is alone (no REDIS_URL). */
  redis?: Redis;
  eventLog: RunEventLog;
  placement?: ConversationPlacement;
  limits: ConversationLimits;
  guestSignups: GuestSignupGate;
  /** This server's own bookkeeping (the runner and runtime write it) and what the idle sweeper reads (every server's). */
  activity: { local: WorkspaceActivity; view: WorkspaceActivityView };
  /** Several servers sweep for lapsed leases: only the one whose claim succeeds recovers a run. Unset when alone. */
  claimRecovery?(run: Run): Promise<boolean>;
  healthChecks: Record<string, HealthCheck>;
  /** Puts the Socket.IO server on the Redis adapter, so rooms span every server. */
  attachSocketServer(io: PlatformSocketServer): void;
  /** Delivers a run event (already numbered and in the event log) to its followers on every server. */
  publishRunEvent(io: PlatformSocketServer | undefined, envelope: RunEventEnvelope): void;
  close(): Promise<void>;
}

/**
 * Stable across restarts of one server (host and port), distinct for replicas on one machine: a
 * restarted server recognises its own earlier runs as dead at once, and no one else's.
 */
export function defaultInstanceId(config: Pick<PlatformConfig, "PORT">): string {
  return `${hostname()}-${config.PORT}`.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 64);
}

export function createClusterParts(config: PlatformConfig): ClusterParts {
  const instanceId = config.INSTANCE_ID ?? defaultInstanceId(config);
  if (!config.REDIS_URL) {
    const local = new WorkspaceActivity();
    return {
      instanceId,
      eventLog: createInMemoryRunEventLog(),
      limits: createConversationLimits(config),
      guestSignups: createGuestSignupGate(config.GUEST_SIGNUPS_PER_HOUR),
      activity: { local, view: local },
      healthChecks: {},
      attachSocketServer: () => undefined,
      publishRunEvent: (io, envelope) => io?.to(conversationRoom(envelope.conversationId)).emit("conversation:event", envelope),
      close: async () => undefined,
    };
  }
  const url = config.REDIS_URL;
  const redis = connectRedis(url, `${instanceId}:state`);
  // The adapter blocks on stream reads: its own connection (it duplicates it for reading).
  const adapterRedis = connectRedis(url, `${instanceId}:rooms`);
  logger.info({ redis: redactedRedisUrl(url), instanceId }, "sharing rooms, run events, placement and limits through Redis");
  const activity = createRedisWorkspaceActivity(redis, { instanceId });
  return {
    instanceId,
    redis,
    eventLog: createRedisRunEventLog(redis),
    limits: createRedisConversationLimits(redis, config),
    guestSignups: createRedisGuestSignupGate(redis, config.GUEST_SIGNUPS_PER_HOUR),
    activity: { local: activity.local, view: activity },
    placement: createRedisConversationPlacement(redis, {
      instanceId,
      homeTtlMs: (config.CLI_IDLE_MINUTES + 1) * 60_000,
      runTtlMs: (config.MAX_RUN_MINUTES + 5) * 60_000,
    }),
    claimRecovery: claimRecovery(redis, config.RUN_LEASE_SECONDS),
    healthChecks: { redis: redisCheck(redis, url) },
    attachSocketServer(io) {
      io.adapter(createAdapter(adapterRedis, { streamName: "agentdesk:socket.io", channelPrefix: "agentdesk:socket.io" }));
      io.on("conversation:event", (envelope) => io.local.to(conversationRoom(envelope.conversationId)).emit("conversation:event", envelope));
    },
    // Run events are the hot path: this server's followers get each at once, the others' through
    // one pub/sub hop (serverSideEmit), not through the adapter's room broadcast, which waits for
    // its stream write before delivering even locally. Nothing is lost for it: each event is in
    // the run event log before it goes out, and a follower that missed one replays it by seq.
    publishRunEvent(io, envelope) {
      if (!io) return;
      io.local.to(conversationRoom(envelope.conversationId)).emit("conversation:event", envelope);
      io.serverSideEmit("conversation:event", envelope);
    },
    async close() {
      await activity.close();
      await Promise.allSettled([redis.quit(), adapterRedis.quit()]);
      redis.disconnect();
      adapterRedis.disconnect();
    },
  };
}

export const conversationRoom = (conversationId: string) => `conversation:${conversationId}`;

/** Every server sweeps for lapsed leases: a short Redis lock makes one of them recover each run. */
function claimRecovery(redis: Redis, leaseSeconds: number): (run: Run) => Promise<boolean> {
  return async (run) => (await redis.set(`agentdesk:recovering:${run.id}`, "1", "PX", leaseSeconds * 2_000, "NX")) === "OK";
}

/**
 * What the run's dead server left running in its owner's workspace ends before anyone resumes the
 * conversation (a resumed session would share its transcript). Runs from before servers marked
 * their processes have no instanceId: adoption's orphan sweep handles those.
 */
export async function endCutOffProcesses(runtime: WorkspaceRuntime, run: Run): Promise<void> {
  if (!run.instanceId) return;
  const ended = await endServerProcesses(runtime, run.ownerId, run.instanceId).catch((error: unknown) => {
    logger.warn({ err: error, runId: run.id }, "could not end a cut-off run's processes in its workspace");
    return 0;
  });
  if (ended > 0) logger.info({ runId: run.id, instanceId: run.instanceId, endedProcesses: ended }, "ended a gone server's processes in a workspace");
}

/** Whether anyone follows a room on any server (the adapter asks the others); false when unsure. */
export async function roomHasSockets(io: PlatformSocketServer | undefined, room: string): Promise<boolean> {
  if (!io) return false;
  try {
    return (await io.in(room).fetchSockets()).length > 0;
  } catch (error) {
    logger.warn({ err: error, room }, "could not ask the other servers who follows a conversation");
    return (io.sockets.adapter.rooms.get(room)?.size ?? 0) > 0;
  }
}

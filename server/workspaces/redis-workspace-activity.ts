import type { Redis } from "ioredis";
import { z } from "zod";
import { logger } from "../logger";
import { WorkspaceActivity, type WorkspaceActivityView, type WorkspaceUsage } from "./workspace-activity";

export interface RedisWorkspaceActivityOptions {
  /** This server's INSTANCE_ID: its marks are one field of each user's hash. */
  instanceId: string;
  now?: () => number;
  /** How often the marks of workspaces with runs going on are rewritten, so they stay alive. */
  refreshMs?: number;
  /** How long a mark with runs counts without being rewritten: a dead server's runs stop counting after this. */
  runMarkTtlMs?: number;
  /** How long a mark without runs (only when the workspace was last used) is kept. */
  idleMarkTtlMs?: number;
}

/** Every server's workspace activity; the runner and the runtime write to `local` as they always did. */
export interface SharedWorkspaceActivity extends WorkspaceActivityView {
  /** This server's own marks, written synchronously and mirrored to Redis in the background. */
  readonly local: WorkspaceActivity;
  /** Stops the periodic rewriting (shutdown). */
  close(): void;
}

const markSchema = z.object({ lastActiveAt: z.number(), runs: z.number().int().min(0), expiresAt: z.number() });

const activityKey = (userId: string) => `agentdesk:activity:${userId}`;

/**
 * The idle sweeper's view across servers: a hash per user, one field per server holding that
 * server's mark ({ lastActiveAt, runs, expiresAt }). A workspace is busy while any live server has
 * a run in it and idle since the latest use any server saw. Each server stamps expiresAt with its
 * own clock and readers compare with theirs: replicas' clocks agree to within seconds (NTP), which
 * is small against a 60-second run mark and an idle period of minutes, and it saves a round trip
 * per mark. When Redis cannot be read every workspace counts as busy: stopping one another server
 * is using costs more than leaving one up for a while.
 */
export function createRedisWorkspaceActivity(redis: Redis, options: RedisWorkspaceActivityOptions): SharedWorkspaceActivity {
  const { instanceId } = options;
  const now = options.now ?? Date.now;
  const runMarkTtlMs = options.runMarkTtlMs ?? 60_000;
  const idleMarkTtlMs = options.idleMarkTtlMs ?? 24 * 60 * 60_000;
  // Marks that could not be written are tried again with the next refresh.
  const unwritten = new Set<string>();
  const writes = outageLog(
    "could not write workspace activity to Redis: other servers may stop a workspace this one used (retried every refresh)",
    "workspace activity is written to Redis again",
  );
  const reads = outageLog(
    "could not read workspace activity from Redis: no workspace is stopped for idleness until it is back",
    "workspace activity is read from Redis again",
  );

  const mirror = (userId: string) => {
    const mark = local.markOf(userId);
    const key = activityKey(userId);
    const transaction =
      mark === undefined
        ? redis.multi().hdel(key, instanceId)
        : redis
            .multi()
            .hset(key, instanceId, JSON.stringify({ ...mark, expiresAt: now() + (mark.runs > 0 ? runMarkTtlMs : idleMarkTtlMs) }))
            .pexpire(key, idleMarkTtlMs);
    transaction
      .exec()
      .then((results) => {
        const failed = results?.find(([error]) => error)?.[0];
        if (failed) throw failed;
        unwritten.delete(userId);
        writes.succeeded();
      })
      .catch((error: unknown) => {
        unwritten.add(userId);
        writes.failed(error);
      });
  };
  const local = new WorkspaceActivity(now, mirror);

  const timer = setInterval(() => {
    for (const userId of new Set([...local.usersWithRuns(), ...unwritten])) mirror(userId);
  }, options.refreshMs ?? 15_000);
  timer.unref();

  const failSafe = (userId: string): WorkspaceUsage => ({ busy: true, idleForMs: local.idleForMs(userId) });

  return {
    local,
    touch: (userId) => local.touch(userId),
    forget: (userId) => local.forget(userId),
    async usage(userId) {
      // Not ready: answer at once rather than wait for a reconnect per workspace.
      if (redis.status !== "ready") {
        reads.failed(new Error(`Redis connection is ${redis.status}`));
        return failSafe(userId);
      }
      let fields: Record<string, string>;
      try {
        fields = await redis.hgetall(activityKey(userId));
      } catch (error) {
        reads.failed(error);
        return failSafe(userId);
      }
      reads.succeeded();
      const own = local.markOf(userId);
      const readAt = now();
      let runs = own?.runs ?? 0;
      let lastActiveAt = own?.lastActiveAt;
      for (const [instance, text] of Object.entries(fields)) {
        // This server's own mark is read from memory: Redis may not have the latest write yet.
        if (instance === instanceId) continue;
        const mark = parseMark(text);
        if (!mark || mark.expiresAt <= readAt) continue;
        runs += mark.runs;
        lastActiveAt = Math.max(lastActiveAt ?? Number.NEGATIVE_INFINITY, mark.lastActiveAt);
      }
      return { busy: runs > 0, idleForMs: lastActiveAt === undefined ? undefined : Math.max(0, readAt - lastActiveAt) };
    },
    close: () => clearInterval(timer),
  };
}

function parseMark(text: string) {
  try {
    const parsed = markSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** One line when something starts failing and one when it works again, not one per attempt. */
function outageLog(failedMessage: string, recoveredMessage: string) {
  let failing = false;
  return {
    failed(error: unknown) {
      if (failing) return;
      failing = true;
      logger.warn({ err: error }, failedMessage);
    },
    succeeded() {
      if (!failing) return;
      failing = false;
      logger.info(recoveredMessage);
    },
  };
}

import { Redis } from "ioredis";
import { AppError } from "../../lib/errors";
import type { HealthCheck } from "../http/health";
import { logger } from "../logger";

/**
 * One connection to Redis, with what an operator needs when it goes away: one clear line when it
 * is lost and one when it is back (not one per retry), and commands that fail fast while it is
 * down instead of queueing without end (the store stays the record; Redis holds what is live).
 */
export function connectRedis(url: string, name: string): Redis {
  const redis = new Redis(url, {
    connectionName: `agentdesk:${name}`,
    // Commands issued while disconnected wait for one reconnect attempt, then fail.
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    lazyConnect: false,
  });
  let down = false;
  const lost = (error?: Error) => {
    if (down) return;
    down = true;
    logger.error(
      { err: error, redis: redactedRedisUrl(url), connection: name },
      "Redis is unreachable: live state is not shared until it is back (runs go on and are stored)",
    );
  };
  redis.on("error", (error: Error) => lost(error));
  // A connection closed by Redis (a restart) reconnects without an error: only a quit() does not.
  redis.on("reconnecting", () => lost());
  redis.on("ready", () => {
    if (!down) return;
    down = false;
    logger.info({ redis: redactedRedisUrl(url), connection: name }, "Redis is reachable again");
  });
  return redis;
}

/** The URL without its password, for logs and /health. */
export function redactedRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "redis://(unparseable)";
  }
}

export function redisCheck(redis: Redis, url: string): HealthCheck {
  return async () => {
    if (redis.status !== "ready") throw new Error(`Redis at ${redactedRedisUrl(url)} is ${redis.status}: replicas cannot share rooms, run events and limits`);
    const started = performance.now();
    try {
      await redis.ping();
    } catch (error) {
      // Redis can go between the status read and the ping; the operator gets the same sentence either way.
      throw new Error(`Redis at ${redactedRedisUrl(url)} is not answering (${error instanceof Error ? error.message : String(error)}): replicas cannot share rooms, run events and limits`, { cause: error });
    }
    return { detail: `${redactedRedisUrl(url)} answered in ${Math.round(performance.now() - started)} ms` };
  };
}

/**
 * Runs a Redis call the person is waiting on; while Redis is unreachable it fails as
 * store_unavailable with a sentence (try again shortly) instead of an unexplained internal error.
 */
export async function whileRedisAnswers<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("store_unavailable", "The platform's shared live state (Redis) is not answering right now. Try again in a few seconds.", { cause: error });
  }
}

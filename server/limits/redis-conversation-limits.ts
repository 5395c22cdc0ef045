import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import type { LimitsConfig } from "./limits-config";
import { assertMessageSize, concurrentRunsRefusal, createConversationLimits, messagesPerMinuteRefusal, type ConversationLimits } from "./usage-quotas";

export interface RedisConversationLimitsOptions {
  /**
   * How long a run's place is held when nobody ends it (its server died mid-run); the longest a
   * run may last plus five minutes by default.
   */
  runHoldMs?: number;
}

const runsKey = (userId: string) => `agentdesk:runs:${userId}`;

/**
 * One sorted set per person: member the conversation, score when its hold expires. Expired holds
 * go first, a conversation already held is admitted again, and a new one is admitted only under
 * the maximum. Redis's own clock (TIME) decides expiry, so servers whose clocks disagree cannot
 * disagree about who holds a place, and it is the clock the message counter's key expiry runs on.
 * Returns 1 when admitted, 0 when refused.
 */
const holdRunScript = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
local latest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')[2]
redis.call('PEXPIREAT', KEYS[1], latest)
return 1
`;

/**
 * The conversation limits counted once for every server sharing this Redis: messages per minute
 * (rate-limiter-flexible, a fixed one-minute window per person) and runs at once per person.
 * While Redis is unreachable each server counts on its own, as a single server does, rather than
 * refusing every message; a run that ends meanwhile is freed in Redis once it is back.
 */
export function createRedisConversationLimits(
  redis: Redis,
  config: Pick<LimitsConfig, "MAX_MESSAGE_CHARS" | "MESSAGES_PER_MINUTE" | "MAX_CONCURRENT_RUNS_PER_USER" | "MAX_RUN_MINUTES">,
  options: RedisConversationLimitsOptions = {},
): ConversationLimits {
  const runHoldMs = options.runHoldMs ?? (config.MAX_RUN_MINUTES + 5) * 60_000;
  const messages = new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: "agentdesk:msg",
    points: config.MESSAGES_PER_MINUTE,
    duration: 60,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ points: config.MESSAGES_PER_MINUTE, duration: 60 }),
  });
  const localRuns = createConversationLimits(config);
  // Runs ended while Redis was away (conversation → user): their holds are dropped when it is back.
  const unreleased = new Map<string, string>();
  const release = async (userId: string, conversationId: string) => {
    try {
      await redis.zrem(runsKey(userId), conversationId);
      unreleased.delete(conversationId);
    } catch {
      unreleased.set(conversationId, userId);
    }
  };
  redis.on("ready", () => {
    for (const [conversationId, userId] of unreleased) void release(userId, conversationId);
  });

  return {
    async admitMessage(userId, text) {
      assertMessageSize(text, config.MAX_MESSAGE_CHARS);
      try {
        await messages.consume(userId);
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
        throw messagesPerMinuteRefusal(config.MESSAGES_PER_MINUTE, refusal.msBeforeNext);
      }
    },
    async beginRun(userId, conversationId) {
      let admitted: unknown;
      try {
        // Not ready: counted here at once rather than after a reconnect attempt.
        if (redis.status !== "ready") throw new Error(`Redis connection is ${redis.status}`);
        admitted = await redis.eval(holdRunScript, 1, runsKey(userId), conversationId, config.MAX_CONCURRENT_RUNS_PER_USER, runHoldMs);
      } catch {
        return localRuns.beginRun(userId, conversationId);
      }
      unreleased.delete(conversationId);
      if (admitted !== 1) throw concurrentRunsRefusal(config.MAX_CONCURRENT_RUNS_PER_USER);
    },
    async endRun(userId, conversationId) {
      await localRuns.endRun(userId, conversationId);
      if (redis.status === "ready") await release(userId, conversationId);
      else unreleased.set(conversationId, userId);
    },
  };
}

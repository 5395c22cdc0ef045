import type { Redis } from "ioredis";
import { z } from "zod";
import type { ConversationPlacement, PlacedRun } from "../conversations/conversation-placement";
import { whileRedisAnswers } from "./redis-connection";

export interface RedisPlacementOptions {
  instanceId: string;
  /** How long a conversation stays at home on a server after its last turn: past the CLI's idle time. */
  homeTtlMs: number;
  /** Longest a run record may outlive a server that died without clearing it (recovery clears it sooner). */
  runTtlMs: number;
  keyPrefix?: string;
}

const placedRunSchema = z.object({ runId: z.string(), startSeq: z.number().int(), instanceId: z.string() });

// Compare-and-set and compare-and-delete: only the expected holder's value is replaced or removed.
const takeOverScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0`;
const claimIfFreeScript = `local home = redis.call('GET', KEYS[1])
if home == false or home == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;
const endRunScript = `local value = redis.call('GET', KEYS[1])
if value and cjson.decode(value).runId == ARGV[1] then redis.call('DEL', KEYS[1]) return 1 end
return 0`;

/** Each conversation's home server and running run, in Redis keys that expire on their own. */
export function createRedisConversationPlacement(redis: Redis, options: RedisPlacementOptions): ConversationPlacement {
  const prefix = options.keyPrefix ?? "agentdesk:";
  const homeKey = (conversationId: string) => `${prefix}conversation-home:${conversationId}`;
  const runKey = (conversationId: string) => `${prefix}conversation-run:${conversationId}`;
  const self = options.instanceId;
  return {
    async claim(conversationId) {
      await whileRedisAnswers(() => redis.set(homeKey(conversationId), self, "PX", options.homeTtlMs));
    },
    async claimIfFree(conversationId) {
      return (await whileRedisAnswers(() => redis.eval(claimIfFreeScript, 1, homeKey(conversationId), self, String(options.homeTtlMs)))) === 1;
    },
    async homeElsewhere(conversationId) {
      const home = await whileRedisAnswers(() => redis.get(homeKey(conversationId)));
      return home && home !== self ? home : null;
    },
    async takeOver(conversationId, from) {
      return (await whileRedisAnswers(() => redis.eval(takeOverScript, 1, homeKey(conversationId), from, self, String(options.homeTtlMs)))) === 1;
    },
    async runStarted(conversationId, run: PlacedRun) {
      await whileRedisAnswers(() => redis.set(runKey(conversationId), JSON.stringify(run), "PX", options.runTtlMs));
    },
    async runEnded(conversationId, runId) {
      await whileRedisAnswers(() => redis.eval(endRunScript, 1, runKey(conversationId), runId));
    },
    async activeRun(conversationId) {
      const value = await whileRedisAnswers(() => redis.get(runKey(conversationId)));
      if (!value) return null;
      const parsed = placedRunSchema.safeParse(JSON.parse(value));
      return parsed.success ? parsed.data : null;
    },
  };
}

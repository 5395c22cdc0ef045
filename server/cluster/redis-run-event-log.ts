import type { Redis } from "ioredis";
import type { RunEventEnvelope } from "../../lib/socket-events";
import type { RunEventLog } from "../conversations/run-event-log";
import { logger } from "../logger";
import { whileRedisAnswers } from "./redis-connection";

/**
 * The run event log shared by every replica: one Redis stream per conversation. A stream rather
 * than a list or pub/sub because it is ordered and its entry IDs can *be* the sequence numbers
 * (seq N is ID `N+1-0`, as 0-0 is not a valid ID), so "everything after N" is one exclusive range
 * read on whichever replica the client reaches, and XADD trims it to a bounded tail (MAXLEN ~) in
 * the same step. Pub/sub keeps nothing for a client that was away; a list has no IDs to range
 * over. The counter has its own key so trimming never resets the numbering, and both keys expire
 * `ttlSeconds` after the conversation's last event: a finished run is in the store as messages,
 * so Redis keeps only what is live.
 *
 * The conversation id is a hash tag (`{…}`) so the stream and its counter share a slot and the
 * append script stays valid on Redis Cluster.
 */
export function createRedisRunEventLog(redis: Redis, options: RedisRunEventLogOptions = {}): RunEventLog {
  const maxEvents = options.maxEventsPerConversation ?? 5_000;
  const ttlSeconds = options.ttlSeconds ?? 3_600;
  const prefix = options.keyPrefix ?? "agentdesk:";
  const streamKey = (conversationId: string) => `${prefix}run-events:{${conversationId}}`;
  const counterKey = (conversationId: string) => `${streamKey(conversationId)}:seq`;

  // ioredis sends EVALSHA and falls back to EVAL when Redis has lost the script (a restart).
  redis.defineCommand("appendRunEvent", { numberOfKeys: 2, lua: appendRunEventScript });
  const scripted = redis as RedisWithAppendScript;

  return {
    async append(conversationId, runId, event, options) {
      const at = new Date().toISOString();
      const floorCounter = (options?.afterSeq ?? -1) + 2;
      const seq = await whileRedisAnswers(() =>
        scripted.appendRunEvent(streamKey(conversationId), counterKey(conversationId), maxEvents, runId, at, JSON.stringify(event), ttlSeconds, floorCounter),
      );
      return { conversationId, runId, seq, at, event };
    },
    async since(conversationId, afterSeq) {
      const envelopes: RunEventEnvelope[] = [];
      let start = afterSeq < 0 ? "-" : `(${afterSeq + 1}-0`;
      for (;;) {
        const entries = await whileRedisAnswers(() => redis.xrange(streamKey(conversationId), start, "+", "COUNT", pageSize));
        for (const [id, fields] of entries) {
          const envelope = envelopeFromEntry(conversationId, id, fields);
          if (envelope) envelopes.push(envelope);
          else logger.warn({ conversationId, streamEntryId: id }, "Skipped a run event in Redis that this server cannot read");
        }
        const last = entries.at(-1);
        if (!last || entries.length < pageSize) return envelopes;
        start = `(${last[0]}`;
      }
    },
    async lastSeq(conversationId) {
      const counter = await whileRedisAnswers(() => redis.get(counterKey(conversationId)));
      return counter === null ? -1 : Number(counter) - 1;
    },
    async forget(conversationId) {
      await whileRedisAnswers(() => redis.del(streamKey(conversationId), counterKey(conversationId)));
    },
  };
}

export interface RedisRunEventLogOptions {
  /** Approximate (XADD MAXLEN ~): Redis trims whole stream nodes, so a little more may stay. */
  maxEventsPerConversation?: number;
  /** How long a conversation's events outlive its last one. */
  ttlSeconds?: number;
  keyPrefix?: string;
}

const pageSize = 500;

// One script, so numbering, appending, trimming and expiry happen together and in order whichever
// replica appends. The counter holds the next seq + 1 (the next entry's ID). If it was lost (an
// eviction) while the stream lives on, it restarts after the stream's top entry, since an XADD
// below the top ID fails.
const appendRunEventScript = `
local counter = redis.call('INCR', KEYS[2])
if counter == 1 then
  local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
  if top then
    counter = tonumber(string.match(top[1], '^(%d+)')) + 1
    redis.call('SET', KEYS[2], counter)
  end
end
-- A Redis that lost everything (restarted without persistence) must not number a live
-- conversation from 0 again: its followers would drop the events as already seen.
if counter < tonumber(ARGV[6]) then
  counter = tonumber(ARGV[6])
  redis.call('SET', KEYS[2], counter)
end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], counter .. '-0', 'runId', ARGV[2], 'at', ARGV[3], 'event', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return counter - 1
`;

type RedisWithAppendScript = Redis & {
  appendRunEvent(streamKey: string, counterKey: string, maxEvents: number, runId: string, at: string, eventJson: string, ttlSeconds: number, floorCounter: number): Promise<number>;
};

function envelopeFromEntry(conversationId: string, id: string, fields: string[]): RunEventEnvelope | null {
  const idMatch = /^(\d+)-0$/.exec(id);
  if (!idMatch) return null;
  const values = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) values.set(fields[i]!, fields[i + 1]!);
  const runId = values.get("runId");
  const at = values.get("at");
  const eventJson = values.get("event");
  if (!runId || !at || !eventJson) return null;
  let event: unknown;
  try {
    event = JSON.parse(eventJson);
  } catch {
    return null;
  }
  if (typeof event !== "object" || event === null || typeof (event as { type?: unknown }).type !== "string") return null;
  return { conversationId, runId, seq: Number(idMatch[1]) - 1, at, event: event as RunEventEnvelope["event"] };
}

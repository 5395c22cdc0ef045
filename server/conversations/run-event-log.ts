import type { RunEventEnvelope } from "../../lib/socket-events";

/**
 * Keeps each conversation's recent run events with a sequence number, so a client that lost its
 * connection (or a second tab, or a reload) asks for "everything after N" and gets each missed
 * event exactly once. In memory for one server; in a Redis stream per conversation when several
 * servers share conversations (server/cluster/redis-run-event-log.ts), so a client replays from
 * whichever server it reaches. Appends for one conversation come from the one server running it,
 * in order: each resolves with the sequence number it was given.
 */
export interface RunEventLog {
  /** `afterSeq`: the last number this server handed out here; the new one is above it even if the log lost its state. */
  append(conversationId: string, runId: string, event: RunEventEnvelope["event"], options?: { afterSeq?: number }): Promise<RunEventEnvelope>;
  /** Events after `afterSeq`, oldest first. */
  since(conversationId: string, afterSeq: number): Promise<RunEventEnvelope[]>;
  /** The last sequence number given in this conversation, -1 before the first. */
  lastSeq(conversationId: string): Promise<number>;
  forget(conversationId: string): Promise<void>;
}

interface ConversationLog {
  nextSeq: number;
  events: RunEventEnvelope[];
}

export function createInMemoryRunEventLog(options: { maxEventsPerConversation?: number } = {}): RunEventLog {
  const maxEvents = options.maxEventsPerConversation ?? 5_000;
  const logs = new Map<string, ConversationLog>();

  const logFor = (conversationId: string): ConversationLog => {
    let log = logs.get(conversationId);
    if (!log) {
      log = { nextSeq: 0, events: [] };
      logs.set(conversationId, log);
    }
    return log;
  };

  return {
    async append(conversationId, runId, event) {
      const log = logFor(conversationId);
      const envelope: RunEventEnvelope = { conversationId, runId, seq: log.nextSeq++, at: new Date().toISOString(), event };
      log.events.push(envelope);
      // Old runs' events are also in the store as messages; only the live tail must be replayable.
      if (log.events.length > maxEvents) log.events.splice(0, log.events.length - maxEvents);
      return envelope;
    },
    async since(conversationId, afterSeq) {
      const log = logs.get(conversationId);
      if (!log) return [];
      return log.events.filter((envelope) => envelope.seq > afterSeq);
    },
    async lastSeq(conversationId) {
      const log = logs.get(conversationId);
      return log ? log.nextSeq - 1 : -1;
    },
    async forget(conversationId) {
      logs.delete(conversationId);
    },
  };
}

import { AppError } from "../../lib/errors";
import type { PlatformStore } from "../store/store";
import { countLimitRefusal } from "../metrics/platform-metrics";
import type { LimitsConfig } from "./limits-config";
import { SlidingWindowRateLimiter, waitSentence } from "./rate-limiter";

/** Refuses a new agent (create, duplicate, copy of a shared one) once the person has the most allowed. */
export async function assertAgentQuota(store: Pick<PlatformStore, "listAgentsByOwner">, userId: string, maxAgents: number): Promise<void> {
  const owned = await store.listAgentsByOwner(userId, { limit: maxAgents + 1 });
  if (owned.length < maxAgents) return;
  countLimitRefusal("agents_per_user");
  throw new AppError(
    "quota_exceeded",
    `You have ${maxAgents} agents, the most an account can have here (MAX_AGENTS_PER_USER). Delete one you no longer use, then try again.`,
  );
}

export function assertMessageSize(text: string, maxChars: number): void {
  if (text.length <= maxChars) return;
  countLimitRefusal("message_size");
  throw new AppError(
    "payload_too_large",
    `Your message is ${text.length.toLocaleString("en-US")} characters long; the limit is ${maxChars.toLocaleString("en-US")} (MAX_MESSAGE_CHARS). Shorten it, or upload the text as a file and refer to it.`,
  );
}

/**
 * What a conversation checks before a message is stored and before a run begins. Counted per
 * person: in this process by default, in Redis when several servers share the people.
 */
export interface ConversationLimits {
  /** Message size and messages per minute; throws payload_too_large or rate_limited. */
  admitMessage(userId: string, text: string): Promise<void>;
  /** Reserves one of the user's concurrent runs for this conversation; throws quota_exceeded. */
  beginRun(userId: string, conversationId: string): Promise<void>;
  /** Frees the conversation's run (calling it when none is held is harmless). */
  endRun(userId: string, conversationId: string): Promise<void>;
}

/** The refusal of one message too many (counted in the metrics); the same sentence however it was counted. */
export function messagesPerMinuteRefusal(messagesPerMinute: number, retryAfterMs: number): AppError {
  countLimitRefusal("messages_per_minute");
  return new AppError(
    "rate_limited",
    `You've sent ${messagesPerMinute} messages in the last minute, the most allowed (MESSAGES_PER_MINUTE). Try again in ${waitSentence(retryAfterMs)}.`,
  );
}

/** The refusal of one run too many at once (counted in the metrics). */
export function concurrentRunsRefusal(maxRuns: number): AppError {
  countLimitRefusal("concurrent_runs");
  return new AppError(
    "quota_exceeded",
    `Your agents are already working in ${maxRuns} conversations, the most at once (MAX_CONCURRENT_RUNS_PER_USER). Wait for one to finish or stop one, then send again.`,
  );
}

export function createConversationLimits(
  config: Pick<LimitsConfig, "MAX_MESSAGE_CHARS" | "MESSAGES_PER_MINUTE" | "MAX_CONCURRENT_RUNS_PER_USER">,
  now: () => number = Date.now,
): ConversationLimits {
  const messages = new SlidingWindowRateLimiter({ limit: config.MESSAGES_PER_MINUTE, windowMs: 60_000, now });
  const runOwners = new Map<string, string>();
  const runsOf = (userId: string) => [...runOwners.values()].filter((owner) => owner === userId).length;
  return {
    async admitMessage(userId, text) {
      assertMessageSize(text, config.MAX_MESSAGE_CHARS);
      const decision = messages.take(userId);
      if (decision.allowed) return;
      throw messagesPerMinuteRefusal(config.MESSAGES_PER_MINUTE, decision.retryAfterMs);
    },
    async beginRun(userId, conversationId) {
      if (runOwners.has(conversationId)) return;
      if (runsOf(userId) >= config.MAX_CONCURRENT_RUNS_PER_USER) throw concurrentRunsRefusal(config.MAX_CONCURRENT_RUNS_PER_USER);
      runOwners.set(conversationId, userId);
    },
    async endRun(_userId, conversationId) {
      runOwners.delete(conversationId);
    },
  };
}

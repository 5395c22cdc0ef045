import { z } from "zod";

/**
 * What an agent does during one turn, as the browser sees it. The Claude runner turns the
 * CLI's stream-json output into these; the socket server relays them with a sequence number.
 */
export const tokenUsageSchema = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  cacheReadTokens: z.number().int().nonnegative().default(0),
  cacheCreationTokens: z.number().int().nonnegative().default(0),
});
export type TokenUsage = z.infer<typeof tokenUsageSchema>;

export const agentEventSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("session_started"),
    sessionId: z.string(),
    model: z.string(),
    tools: z.array(z.string()),
  }),
  z.object({ type: z.literal("text_delta"), text: z.string() }),
  /** A whole text block once it is complete (clients that missed deltas can rely on it). */
  z.object({ type: z.literal("text"), text: z.string() }),
  z.object({
    type: z.literal("tool_use"),
    toolUseId: z.string(),
    name: z.string(),
    input: z.unknown(),
  }),
  z.object({
    type: z.literal("tool_result"),
    toolUseId: z.string(),
    output: z.string(),
    isError: z.boolean(),
  }),
  z.object({
    type: z.literal("result"),
    isError: z.boolean(),
    /** Why the turn ended: "success", "interrupted", "max_turns", "error". */
    subtype: z.string(),
    text: z.string(),
    usage: tokenUsageSchema,
    costUsd: z.number().nonnegative(),
    numTurns: z.number().int().nonnegative(),
    durationMs: z.number().nonnegative(),
    sessionId: z.string(),
  }),
  z.object({
    type: z.literal("error"),
    code: z.string(),
    message: z.string(),
  }),
]);
export type AgentEvent = z.infer<typeof agentEventSchema>;
export type AgentEventType = AgentEvent["type"];

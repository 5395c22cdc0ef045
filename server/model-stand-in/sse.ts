import { estimateTokens, type PlannedReply, type ReplyBlock } from "./conversation";

export interface StreamEvent {
  readonly event: string;
  readonly data: Record<string, unknown>;
  /** Deltas are paced so clients see text arrive gradually; framing events go out at once. */
  readonly paced: boolean;
}

export interface MessageMeta {
  readonly id: string;
  readonly model: string;
  readonly inputTokens: number;
}

/** One SSE frame in Anthropic's format: the event name is repeated as `type` inside the data. */
export function formatSseEvent(event: string, data: Record<string, unknown>): string {
  return `event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`;
}

/** Splits into chunks of a few words; joining the chunks gives back the exact text. */
export function chunkText(text: string, wordsPerChunk = 3): string[] {
  const tokens = text.match(/^\s+|\S+\s*/g) ?? [];
  const chunks: string[] = [];
  for (let i = 0; i < tokens.length; i += wordsPerChunk) chunks.push(tokens.slice(i, i + wordsPerChunk).join(""));
  return chunks.length > 0 ? chunks : [text];
}

/**
 * Like the real API: an empty first fragment, then the JSON cut at arbitrary points (even inside
 * strings), so clients must buffer partial_json rather than parse each piece.
 */
export function splitJson(json: string, pieces = 3): string[] {
  const size = Math.max(1, Math.ceil(json.length / pieces));
  const parts = [""];
  for (let i = 0; i < json.length; i += size) parts.push(json.slice(i, i + size));
  return parts;
}

export function outputTokens(content: readonly ReplyBlock[]): number {
  return estimateTokens(content.map((block) => (block.type === "text" ? block.text : JSON.stringify(block.input))).join(""));
}

export function usageBlock(inputTokens: number, output: number): Record<string, unknown> {
  return {
    input_tokens: inputTokens,
    output_tokens: output,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    service_tier: "standard",
  };
}

export function messageBody(reply: PlannedReply, meta: MessageMeta): Record<string, unknown> {
  return {
    id: meta.id,
    type: "message",
    role: "assistant",
    model: meta.model,
    content: reply.content,
    stop_reason: reply.stopReason,
    stop_sequence: null,
    usage: usageBlock(meta.inputTokens, outputTokens(reply.content)),
  };
}

export function streamEvents(reply: PlannedReply, meta: MessageMeta, wordsPerChunk = 3): StreamEvent[] {
  const events: StreamEvent[] = [];
  const push = (event: string, data: Record<string, unknown>, paced = false): void => {
    events.push({ event, data, paced });
  };
  push("message_start", {
    message: { ...messageBody(reply, meta), content: [], stop_reason: null, usage: usageBlock(meta.inputTokens, 1) },
  });
  push("ping", {});
  reply.content.forEach((block, index) => {
    if (block.type === "text") {
      push("content_block_start", { index, content_block: { type: "text", text: "" } });
      for (const text of chunkText(block.text, wordsPerChunk)) {
        push("content_block_delta", { index, delta: { type: "text_delta", text } }, true);
      }
    } else {
      push("content_block_start", { index, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } });
      for (const partial of splitJson(JSON.stringify(block.input))) {
        push("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: partial } }, true);
      }
    }
    push("content_block_stop", { index });
  });
  push("message_delta", {
    delta: { stop_reason: reply.stopReason, stop_sequence: null },
    usage: { output_tokens: outputTokens(reply.content) },
  });
  push("message_stop", {});
  return events;
}

import type { AgentEvent, TokenUsage } from "./agent-events";

export type ReplyBlock =
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: unknown }
  | { type: "tool_result"; toolUseId: string; output: string; isError: boolean }
  | { type: "image"; path: string; mimeType: string }
  // A file (not an image) the agent produced, added to the stored reply when the run ends.
  | { type: "file"; path: string; mimeType: string; name?: string };

export interface AssistantReplyState {
  blocks: ReplyBlock[];
  /** Index of the text block still receiving deltas, if any. */
  openTextIndex: number | null;
  usage?: TokenUsage;
  costUsd?: number;
  numTurns?: number;
  durationMs?: number;
  error?: { code: string; message: string };
}

/** True when an event closes a step: the reply should be saved then, so a crash loses at most a partial step. */
export function endsStep(event: AgentEvent): boolean {
  return event.type === "text" || event.type === "tool_use" || event.type === "tool_result" || event.type === "result" || event.type === "error";
}

/**
 * Folds a turn's events into the assistant message as it will be stored and shown: streamed text
 * deltas join into text blocks (a complete `text` event replaces what the deltas built), tool
 * calls and their results become blocks of their own.
 */
export function applyAgentEvent(state: AssistantReplyState, event: AgentEvent): AssistantReplyState {
  const { blocks, openTextIndex } = state;
  switch (event.type) {
    case "text_delta": {
      if (openTextIndex !== null) {
        const open = blocks[openTextIndex] as Extract<ReplyBlock, { type: "text" }>;
        return { ...state, blocks: replaceAt(blocks, openTextIndex, { type: "text", text: open.text + event.text }) };
      }
      return { ...state, blocks: [...blocks, { type: "text", text: event.text }], openTextIndex: blocks.length };
    }
    case "text": {
      const finished: ReplyBlock = { type: "text", text: event.text };
      if (openTextIndex !== null) return { ...state, blocks: replaceAt(blocks, openTextIndex, finished), openTextIndex: null };
      return { ...state, blocks: [...blocks, finished] };
    }
    case "tool_use":
      return { ...state, openTextIndex: null, blocks: [...blocks, { type: "tool_use", id: event.toolUseId, name: event.name, input: event.input }] };
    case "tool_result":
      return {
        ...state,
        openTextIndex: null,
        blocks: [...blocks, { type: "tool_result", toolUseId: event.toolUseId, output: event.output, isError: event.isError }],
      };
    case "result":
      return { ...state, openTextIndex: null, usage: event.usage, costUsd: event.costUsd, numTurns: event.numTurns, durationMs: event.durationMs };
    case "error":
      return { ...state, openTextIndex: null, error: { code: event.code, message: event.message } };
    case "session_started":
      return state;
  }
}

function replaceAt(blocks: ReplyBlock[], index: number, block: ReplyBlock): ReplyBlock[] {
  return blocks.map((existing, i) => (i === index ? block : existing));
}

export function emptyReply(): AssistantReplyState {
  return { blocks: [], openTextIndex: null };
}

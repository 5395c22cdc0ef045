import { describe, expect, it } from "vitest";
import type { AgentEvent } from "../../lib/agent-events";
import { applyAgentEvent, emptyReply, endsStep } from "../../lib/assistant-reply";

const fold = (events: AgentEvent[]) => events.reduce(applyAgentEvent, emptyReply());

describe("assistant reply", () => {
  it("joins streamed text and keeps tool calls and results in order", () => {
    const reply = fold([
      { type: "text_delta", text: "Let me " },
      { type: "text_delta", text: "compute that." },
      { type: "text", text: "Let me compute that." },
      { type: "tool_use", toolUseId: "t1", name: "Bash", input: { command: "python3 -c 'print(1)'" } },
      { type: "tool_result", toolUseId: "t1", output: "5050", isError: false },
      { type: "text_delta", text: "The sum " },
      { type: "text_delta", text: "is 5050." },
    ]);
    expect(reply.blocks).toEqual([
      { type: "text", text: "Let me compute that." },
      { type: "tool_use", id: "t1", name: "Bash", input: { command: "python3 -c 'print(1)'" } },
      { type: "tool_result", toolUseId: "t1", output: "5050", isError: false },
      { type: "text", text: "The sum is 5050." },
    ]);
  });

  it("starts a new text block after a finished one instead of appending to it", () => {
    const reply = fold([
      { type: "text", text: "First." },
      { type: "text_delta", text: "Second" },
    ]);
    expect(reply.blocks).toEqual([
      { type: "text", text: "First." },
      { type: "text", text: "Second" },
    ]);
  });

  it("records usage, cost and errors from the end of the turn", () => {
    const reply = fold([
      { type: "text", text: "Done." },
      {
        type: "result",
        isError: false,
        subtype: "success",
        text: "Done.",
        usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheCreationTokens: 0 },
        costUsd: 0.0012,
        numTurns: 1,
        durationMs: 900,
        sessionId: "s",
      },
      { type: "error", code: "workspace_lost", message: "The workspace stopped." },
    ]);
    expect(reply.costUsd).toBe(0.0012);
    expect(reply.usage?.outputTokens).toBe(5);
    expect(reply.error).toEqual({ code: "workspace_lost", message: "The workspace stopped." });
  });

  it("marks the events that end a step", () => {
    expect(endsStep({ type: "text_delta", text: "x" })).toBe(false);
    expect(endsStep({ type: "tool_result", toolUseId: "t", output: "", isError: false })).toBe(true);
  });
});

import { describe, expect, it } from "vitest";

import { agentEventSchema } from "../../lib/agent-events";
import { createClaudeEventMapper, toolResultText } from "../../server/claude/claude-event-mapper";

const sessionId = "0f9ee7a4-d62f-47ad-a201-4cc23b1b50ff";

const init = {
  type: "system",
  subtype: "init",
  cwd: "/workspace/agent-a1",
  session_id: sessionId,
  tools: ["Bash", "Read", "Write"],
  model: "claude-sonnet-4-5",
  permissionMode: "bypassPermissions",
};

function textDelta(text: string, parent: string | null = null) {
  return {
    type: "stream_event",
    event: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text } },
    parent_tool_use_id: parent,
    session_id: sessionId,
  };
}

function result(overrides: Record<string, unknown> = {}) {
  return {
    type: "result",
    subtype: "success",
    is_error: false,
    duration_ms: 2001,
    duration_api_ms: 328,
    num_turns: 2,
    result: "The sum is 5050.",
    stop_reason: "end_turn",
    session_id: sessionId,
    total_cost_usd: 0.00066,
    usage: { input_tokens: 20, output_tokens: 40, cache_read_input_tokens: 5, cache_creation_input_tokens: 7 },
    terminal_reason: "completed",
    ...overrides,
  };
}

describe("claude event mapper", () => {
  it("announces the session from the init message", () => {
    const mapper = createClaudeEventMapper();
    expect(mapper.map(init)).toEqual([{ type: "session_started", sessionId, model: "claude-sonnet-4-5", tools: ["Bash", "Read", "Write"] }]);
  });

  it("streams text deltas token by token and ignores other deltas", () => {
    const mapper = createClaudeEventMapper();
    expect(mapper.map(textDelta("Hel"))).toEqual([{ type: "text_delta", text: "Hel" }]);
    expect(
      mapper.map({ type: "stream_event", event: { type: "content_block_delta", index: 1, delta: { type: "input_json_delta", partial_json: '{"comm' } } }),
    ).toEqual([]);
    expect(mapper.map({ type: "stream_event", event: { type: "message_start", message: {} } })).toEqual([]);
  });

  it("reports whole text blocks and tool calls from assistant messages", () => {
    const mapper = createClaudeEventMapper();
    const events = mapper.map({
      type: "assistant",
      parent_tool_use_id: null,
      message: {
        role: "assistant",
        content: [
          { type: "text", text: "I'll compute that." },
          { type: "thinking", thinking: "hmm" },
          { type: "tool_use", id: "toolu_1", name: "Bash", input: { command: "python3 -c 'print(5050)'" } },
        ],
      },
    });
    expect(events).toEqual([
      { type: "text", text: "I'll compute that." },
      { type: "tool_use", toolUseId: "toolu_1", name: "Bash", input: { command: "python3 -c 'print(5050)'" } },
    ]);
  });

  it("reports tool results with their text and error flag", () => {
    const mapper = createClaudeEventMapper();
    const events = mapper.map({
      type: "user",
      parent_tool_use_id: null,
      message: {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "5050", is_error: false },
          { type: "tool_result", tool_use_id: "toolu_2", content: [{ type: "text", text: "Exit code 137" }, { type: "text", text: "Killed" }], is_error: true },
        ],
      },
    });
    expect(events).toEqual([
      { type: "tool_result", toolUseId: "toolu_1", output: "5050", isError: false },
      { type: "tool_result", toolUseId: "toolu_2", output: "Exit code 137\nKilled", isError: true },
    ]);
  });

  it("does not mistake the user's own prompt for a tool result", () => {
    const mapper = createClaudeEventMapper();
    expect(mapper.map({ type: "user", parent_tool_use_id: null, message: { role: "user", content: "hello" } })).toEqual([]);
  });

  it("keeps subagent traffic out of the conversation", () => {
    const mapper = createClaudeEventMapper();
    expect(mapper.map(textDelta("inner", "toolu_task"))).toEqual([]);
    expect(
      mapper.map({ type: "assistant", parent_tool_use_id: "toolu_task", message: { content: [{ type: "text", text: "inner" }] } }),
    ).toEqual([]);
  });

  it("summarises a successful turn", () => {
    const mapper = createClaudeEventMapper();
    expect(mapper.map(result())).toEqual([
      {
        type: "result",
        isError: false,
        subtype: "success",
        text: "The sum is 5050.",
        usage: { inputTokens: 20, outputTokens: 40, cacheReadTokens: 5, cacheCreationTokens: 7 },
        costUsd: 0.00066,
        numTurns: 2,
        durationMs: 2001,
        sessionId,
      },
    ]);
  });

  it("bills each turn the difference of the CLI's running cost total", () => {
    const mapper = createClaudeEventMapper();
    const first = mapper.map(result({ total_cost_usd: 0.1 }))[0];
    const second = mapper.map(result({ total_cost_usd: 0.25 }))[0];
    expect(first).toMatchObject({ costUsd: 0.1 });
    expect(second).toMatchObject({ costUsd: 0.15 });
    expect(mapper.cumulativeCostUsd).toBe(0.25);
  });

  it("continues from the previous process's total, or takes a fresh total whole", () => {
    const resumed = createClaudeEventMapper({ costBaselineUsd: 0.25 });
    expect(resumed.map(result({ total_cost_usd: 0.3 }))[0]).toMatchObject({ costUsd: 0.05 });
    const restarted = createClaudeEventMapper({ costBaselineUsd: 0.25 });
    expect(restarted.map(result({ total_cost_usd: 0.02 }))[0]).toMatchObject({ costUsd: 0.02 });
  });

  it("names why a turn ended", () => {
    const mapper = createClaudeEventMapper();
    expect(mapper.map(result({ subtype: "error_max_turns", is_error: true, result: undefined, errors: ["Reached max turns"] }))[0]).toMatchObject({
      subtype: "max_turns",
      isError: true,
      text: "Reached max turns",
    });
    expect(mapper.map(result({ subtype: "error_during_execution", is_error: true, terminal_reason: "aborted_tools" }))[0]).toMatchObject({
      subtype: "interrupted",
      isError: false,
      text: "",
    });
    expect(mapper.map(result({ subtype: "error_max_budget_usd", is_error: true }))[0]).toMatchObject({ subtype: "max_budget", isError: true });
  });

  it("reads a result as interrupted while the platform is stopping the turn", () => {
    let interrupting = false;
    const mapper = createClaudeEventMapper({ isInterrupting: () => interrupting });
    interrupting = true;
    expect(mapper.map(result({ subtype: "error_during_execution", is_error: true, terminal_reason: "completed" }))[0]).toMatchObject({
      subtype: "interrupted",
    });
  });

  it("reports an unreachable model as an error before the failed result", () => {
    const mapper = createClaudeEventMapper();
    const events = mapper.map(
      result({ is_error: true, result: "API Error: Connection error.\nretrying failed", api_error_status: 502, terminal_reason: "api_error" }),
    );
    expect(events).toEqual([
      { type: "error", code: "model_unavailable", message: "API Error: Connection error." },
      expect.objectContaining({ type: "result", isError: true, subtype: "error" }),
    ]);
  });

  it("skips malformed and unknown messages instead of failing", () => {
    const mapper = createClaudeEventMapper();
    for (const message of [null, 42, "text", [], {}, { type: "system", subtype: "status" }, { type: "assistant" }, { type: "user", message: { content: [7] } }, { type: "rate_limit_event" }]) {
      expect(mapper.map(message)).toEqual([]);
    }
    expect(mapper.map({ type: "result" })[0]).toMatchObject({ type: "result", costUsd: 0, numTurns: 0, usage: { inputTokens: 0 } });
  });

  it("only produces events the browser's schema accepts", () => {
    const mapper = createClaudeEventMapper();
    const events = [init, textDelta("a"), result(), result({ subtype: "error_during_execution", is_error: true, total_cost_usd: 0 })].flatMap((m) =>
      mapper.map(m),
    );
    for (const event of events) expect(agentEventSchema.safeParse(event).success).toBe(true);
  });
});

describe("tool result text", () => {
  it("joins text blocks and marks images", () => {
    expect(toolResultText([{ type: "text", text: "saved" }, { type: "image", source: {} }])).toBe("saved\n[image]");
    expect(toolResultText(undefined)).toBe("");
  });
});

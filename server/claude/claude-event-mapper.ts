import type { AgentEvent, TokenUsage } from "../../lib/agent-events";

type ResultEvent = Extract<AgentEvent, { type: "result" }>;

/**
 * Turns Claude Code's stream-json messages (as the Agent SDK yields them, or as parsed lines) into
 * AgentEvents. Messages are read defensively as `unknown`: the CLI adds message kinds and fields
 * often, and anything not understood is skipped rather than breaking a turn.
 *
 * Stateful per CLI process: the CLI reports `total_cost_usd` as a running total for the process
 * (a resumed one starts from the total its transcript saved), so each result's cost is the
 * difference to the previous total.
 */
export interface ClaudeEventMapper {
  map(message: unknown): AgentEvent[];
  /** The running cost total seen so far, to seed the mapper of the next process of the conversation. */
  readonly cumulativeCostUsd: number;
}

export interface ClaudeEventMapperOptions {
  /** Running cost total the CLI will start from (the previous process's last total). */
  costBaselineUsd?: number;
  /** Set while the platform is interrupting the turn, so its result reads "interrupted". */
  isInterrupting?: () => boolean;
}

export function createClaudeEventMapper(options: ClaudeEventMapperOptions = {}): ClaudeEventMapper {
  let cumulativeCostUsd = options.costBaselineUsd ?? 0;

  const mapResult = (message: Record<string, unknown>): AgentEvent[] => {
    const total = numberOr(message.total_cost_usd, cumulativeCostUsd);
    // A total below the baseline means the CLI started counting afresh (no saved total): take it whole.
    const costUsd = total >= cumulativeCostUsd ? total - cumulativeCostUsd : total;
    cumulativeCostUsd = total;

    const subtype = resultSubtype(message, options.isInterrupting?.() ?? false);
    const errors = Array.isArray(message.errors) ? message.errors.filter((e): e is string => typeof e === "string") : [];
    // After a stop the CLI's result text is a diagnostic, not something to show.
    const text = subtype === "interrupted" ? "" : typeof message.result === "string" ? message.result : errors.join("\n");
    const result: ResultEvent = {
      type: "result",
      // Stopping a turn is the person's choice, not a failure.
      isError: subtype !== "success" && subtype !== "interrupted",
      subtype,
      text,
      usage: toUsage(message.usage),
      costUsd: roundUsd(Math.max(0, costUsd)),
      numTurns: Math.max(0, Math.trunc(numberOr(message.num_turns, 0))),
      durationMs: Math.max(0, numberOr(message.duration_ms, 0)),
      sessionId: typeof message.session_id === "string" ? message.session_id : "",
    };
    const events: AgentEvent[] = [];
    if (subtype === "error" && isModelFailure(message)) {
      events.push({ type: "error", code: "model_unavailable", message: firstLine(text) || "The model could not be reached." });
    }
    events.push(result);
    return events;
  };

  return {
    get cumulativeCostUsd() {
      return cumulativeCostUsd;
    },
    map(message: unknown): AgentEvent[] {
      if (!isRecord(message)) return [];
      // Subagent traffic (parent_tool_use_id set) stays inside the Task tool's own result.
      if (typeof message.parent_tool_use_id === "string") return [];
      switch (message.type) {
        case "system":
          return message.subtype === "init" ? mapInit(message) : [];
        case "stream_event":
          return mapStreamEvent(message.event);
        case "assistant":
          return mapAssistant(message.message);
        case "user":
          return mapToolResults(message.message);
        case "result":
          return mapResult(message);
        default:
          return [];
      }
    },
  };
}

function mapInit(message: Record<string, unknown>): AgentEvent[] {
  if (typeof message.session_id !== "string") return [];
  return [
    {
      type: "session_started",
      sessionId: message.session_id,
      model: typeof message.model === "string" ? message.model : "",
      tools: Array.isArray(message.tools) ? message.tools.filter((tool): tool is string => typeof tool === "string") : [],
    },
  ];
}

function mapStreamEvent(event: unknown): AgentEvent[] {
  if (!isRecord(event) || event.type !== "content_block_delta" || !isRecord(event.delta)) return [];
  const { delta } = event;
  if (delta.type === "text_delta" && typeof delta.text === "string" && delta.text.length > 0) {
    return [{ type: "text_delta", text: delta.text }];
  }
  return [];
}

function mapAssistant(message: unknown): AgentEvent[] {
  if (!isRecord(message) || !Array.isArray(message.content)) return [];
  const events: AgentEvent[] = [];
  for (const block of message.content) {
    if (!isRecord(block)) continue;
    if (block.type === "text" && typeof block.text === "string" && block.text.length > 0) {
      events.push({ type: "text", text: block.text });
    } else if (block.type === "tool_use" && typeof block.id === "string" && typeof block.name === "string") {
      events.push({ type: "tool_use", toolUseId: block.id, name: block.name, input: block.input ?? {} });
    }
  }
  return events;
}

function mapToolResults(message: unknown): AgentEvent[] {
  if (!isRecord(message) || !Array.isArray(message.content)) return [];
  const events: AgentEvent[] = [];
  for (const block of message.content) {
    if (!isRecord(block) || block.type !== "tool_result" || typeof block.tool_use_id !== "string") continue;
    events.push({
      type: "tool_result",
      toolUseId: block.tool_use_id,
      output: toolResultText(block.content),
      isError: block.is_error === true,
    });
  }
  return events;
}

/** Tool output is a string or a list of blocks; images have no text, so they show as a marker. */
export function toolResultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((block) => {
      if (!isRecord(block)) return "";
      if (block.type === "text" && typeof block.text === "string") return block.text;
      if (block.type === "image") return "[image]";
      return "";
    })
    .filter((part) => part.length > 0)
    .join("\n");
}

function resultSubtype(message: Record<string, unknown>, interrupting: boolean): string {
  const terminal = typeof message.terminal_reason === "string" ? message.terminal_reason : "";
  if (interrupting || terminal === "aborted_streaming" || terminal === "aborted_tools") return "interrupted";
  if (message.subtype === "error_max_turns" || terminal === "max_turns") return "max_turns";
  if (message.subtype === "error_max_budget_usd" || terminal === "budget_exhausted") return "max_budget";
  if (message.subtype === "success" && message.is_error !== true) return "success";
  return "error";
}

function isModelFailure(message: Record<string, unknown>): boolean {
  const terminal = message.terminal_reason;
  return (
    (typeof message.api_error_status === "number" && message.api_error_status > 0) ||
    terminal === "api_error" ||
    terminal === "model_error" ||
    (message.subtype === "success" && message.is_error === true)
  );
}

function toUsage(usage: unknown): TokenUsage {
  const source = isRecord(usage) ? usage : {};
  return {
    inputTokens: tokenCount(source.input_tokens),
    outputTokens: tokenCount(source.output_tokens),
    cacheReadTokens: tokenCount(source.cache_read_input_tokens),
    cacheCreationTokens: tokenCount(source.cache_creation_input_tokens),
  };
}

function tokenCount(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.trunc(value) : 0;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

function roundUsd(value: number): number {
  return Math.round(value * 1e8) / 1e8;
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0]?.trim() ?? "";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

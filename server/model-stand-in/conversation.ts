import { randomBytes } from "node:crypto";
import path from "node:path";
import type { ContentBlock, MessagesRequest, RequestMessage } from "./schema";
import { BUILT_IN_SCRIPTS, FALLBACK_SCRIPT, fence } from "./scripts";
import { renderTemplate } from "./template";
import type { Script, ScriptContext, ScriptStep, ToolCall, ToolResultSummary } from "./types";

export type ReplyBlock =
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

export type StopReason = "end_turn" | "tool_use" | "max_tokens";

export interface PlannedReply {
  readonly scriptId: string;
  readonly stepIndex: number;
  readonly auxiliary: boolean;
  readonly content: ReplyBlock[];
  readonly stopReason: StopReason;
}

const MAX_QUOTED_RESULT_CHARS = 4000;

/** Rough, but enough for the CLI to report non-zero usage and cost. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export function randomId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString("base64url")}`;
}

function isTextBlock(block: ContentBlock): block is ContentBlock & { type: "text"; text: string } {
  return block.type === "text" && typeof block.text === "string";
}

function blocksOf(message: RequestMessage): ContentBlock[] {
  return typeof message.content === "string" ? [{ type: "text", text: message.content }] : message.content;
}

// The CLI folds its own context (CLAUDE.md, reminders, attribution) into user turns and marks
// interruptions with bracketed notes; none of that is something the user typed.
function userTypedText(message: RequestMessage): string {
  if (message.role !== "user") return "";
  return blocksOf(message)
    .filter(isTextBlock)
    .map((block) => block.text.replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, "").trim())
    .filter((text) => text !== "" && !/^\[Request interrupted by user[^\]]*\]$/.test(text))
    .join("\n")
    .trim();
}

function toolResultOf(block: ContentBlock): ToolResultSummary | undefined {
  if (block.type !== "tool_result") return undefined;
  const content = block.content;
  let text = "";
  if (typeof content === "string") text = content;
  else if (Array.isArray(content)) {
    text = content
      .filter((part): part is { type: "text"; text: string } => isRecord(part) && part.type === "text" && typeof part.text === "string")
      .map((part) => part.text)
      .join("\n");
  }
  return { text: text.trim(), isError: block.is_error === true };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function systemTexts(request: MessagesRequest): string[] {
  if (request.system === undefined) return [];
  if (typeof request.system === "string") return [request.system];
  return request.system.flatMap((block) => (typeof block.text === "string" ? [block.text] : []));
}

/**
 * The CLI states its cwd in the environment section: 2.1.3xx sends it as a mid-conversation
 * system turn ("Primary working directory: /x"), older releases in `system` ("Working directory: /x").
 */
export function findWorkingDirectory(request: MessagesRequest): string | undefined {
  const texts = [
    ...systemTexts(request),
    ...request.messages.flatMap((message) => blocksOf(message).filter(isTextBlock).map((block) => block.text)),
  ];
  for (const text of texts) {
    const match = /(?:Primary working directory|Working directory):\s*(\S[^\n]*)/.exec(text);
    const dir = match?.[1]?.trim();
    if (dir !== undefined && dir.startsWith("/")) return dir;
  }
  return undefined;
}

export function buildScriptContext(request: MessagesRequest): ScriptContext {
  const { messages } = request;
  let promptIndex = -1;
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message = messages[i];
    if (message !== undefined && userTypedText(message) !== "") {
      promptIndex = i;
      break;
    }
  }
  const prompt = promptIndex >= 0 ? userTypedText(messages[promptIndex] as RequestMessage) : "";
  const earlierPrompts = messages
    .slice(0, Math.max(promptIndex, 0))
    .map(userTypedText)
    .filter((text) => text !== "");

  // The CLI may store one reply as several consecutive assistant messages (one per block), so
  // a step is a run of assistant messages, not a single message.
  let stepIndex = 0;
  let previousRole: string | undefined;
  const toolResults: ToolResultSummary[] = [];
  for (const message of messages.slice(promptIndex + 1)) {
    if (message.role === "assistant" && previousRole !== "assistant") stepIndex += 1;
    if (message.role === "user") {
      for (const block of blocksOf(message)) {
        const result = toolResultOf(block);
        if (result !== undefined) toolResults.push(result);
      }
    }
    if (message.role !== "system") previousRole = message.role;
  }
  const last = toolResults.at(-1);
  return {
    prompt,
    earlierPrompts,
    cwd: findWorkingDirectory(request),
    stepIndex,
    toolResults,
    lastToolResult: truncate(withoutSystemReminders(last?.text ?? ""), MAX_QUOTED_RESULT_CHARS),
    lastToolResultIsError: last?.isError ?? false,
  };
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}\n… (${text.length - max} more characters)`;
}

function resolvePath(filePath: string, cwd: string | undefined): string {
  if (cwd === undefined || path.posix.isAbsolute(filePath)) return filePath;
  return path.posix.resolve(cwd, filePath);
}

/** The CLI's file tools insist on absolute paths; scripts may say "chart.png". */
export function toToolUseInput(call: ToolCall, cwd: string | undefined): Record<string, unknown> {
  if (call.name === "Bash") return { ...call.input };
  return { ...call.input, file_path: resolvePath(call.input.file_path, cwd) };
}

/**
 * Requests without tools (titles, summaries) or with a token budget too small for a tool call
 * (quota probes) are the CLI's own housekeeping; a script's tool call there would be nonsense.
 */
export function isAuxiliaryRequest(request: MessagesRequest): boolean {
  return request.tools === undefined || request.tools.length === 0 || request.max_tokens <= 16;
}

function jsonSchemaOf(request: MessagesRequest): Record<string, unknown> | undefined {
  const candidates = [request.output_format, isRecord(request.output_config) ? request.output_config.format : undefined];
  for (const format of candidates) {
    if (isRecord(format) && format.type === "json_schema" && isRecord(format.schema)) return format.schema;
  }
  return undefined;
}

// Fills a structured-output schema with plausible values so that callers parsing the reply
// (e.g. a title generator) get something valid rather than an error.
function sampleFromSchema(schema: Record<string, unknown>, text: string): unknown {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  switch (type) {
    case "object": {
      const properties = isRecord(schema.properties) ? schema.properties : {};
      return Object.fromEntries(
        Object.entries(properties).map(([key, value]) => [key, isRecord(value) ? sampleFromSchema(value, text) : text]),
      );
    }
    case "array":
      return [];
    case "boolean":
      return false;
    case "number":
    case "integer":
      return 0;
    case "null":
      return null;
    default:
      return text;
  }
}

function auxiliaryText(request: MessagesRequest, ctx: ScriptContext): string {
  const instructions = [...systemTexts(request), ctx.prompt].join("\n");
  let text = "OK";
  if (/\btitle\b/i.test(instructions)) text = "Offline demo conversation";
  else if (/summar/i.test(instructions)) text = "A conversation with the offline demo model.";
  const schema = jsonSchemaOf(request);
  return schema === undefined ? text : JSON.stringify(sampleFromSchema(schema, text));
}

export function selectScript(prompt: string, ctx: ScriptContext, extraScripts: readonly Script[] = []): Script {
  return [...extraScripts, ...BUILT_IN_SCRIPTS].find((script) => script.match(prompt, ctx)) ?? FALLBACK_SCRIPT;
}

function closingStep(ctx: ScriptContext): ScriptStep {
  return {
    text: ctx.toolResults.length === 0 ? "Done." : `Done. The last tool reported:\n\n${fence(ctx.lastToolResult)}`,
  };
}

export function planReply(request: MessagesRequest, extraScripts: readonly Script[] = []): PlannedReply {
  const ctx = buildScriptContext(request);
  if (isAuxiliaryRequest(request)) {
    return limitToBudget(
      { scriptId: "auxiliary", stepIndex: 0, auxiliary: true, content: [{ type: "text", text: auxiliaryText(request, ctx) }], stopReason: "end_turn" },
      request.max_tokens,
    );
  }
  const script = selectScript(ctx.prompt, ctx, extraScripts);
  const scriptSteps = typeof script.steps === "function" ? script.steps(ctx) : script.steps;
  // Past the last step (a script ending on a tool call, or a CLI retry) the turn must still end.
  const step = scriptSteps[ctx.stepIndex] ?? closingStep(ctx);
  const content: ReplyBlock[] = [];
  if (step.text !== undefined) content.push({ type: "text", text: renderTemplate(step.text, ctx) });
  if (step.tool !== undefined) {
    const call = typeof step.tool === "function" ? step.tool(ctx) : step.tool;
    content.push({ type: "tool_use", id: randomId("toolu_"), name: call.name, input: toToolUseInput(call, ctx.cwd) });
  }
  if (content.length === 0) content.push({ type: "text", text: "Done." });
  const reply: PlannedReply = {
    scriptId: script.id,
    stepIndex: ctx.stepIndex,
    auxiliary: false,
    content,
    stopReason: step.tool !== undefined ? "tool_use" : "end_turn",
  };
  return reply.stopReason === "tool_use" ? reply : limitToBudget(reply, request.max_tokens);
}

/** A text-only reply longer than max_tokens is cut like the real API does, with stop_reason max_tokens. */
function limitToBudget(reply: PlannedReply, maxTokens: number): PlannedReply {
  const text = reply.content.map((block) => (block.type === "text" ? block.text : "")).join("");
  if (estimateTokens(text) <= maxTokens) return reply;
  return { ...reply, content: [{ type: "text", text: text.slice(0, maxTokens * 4) }], stopReason: "max_tokens" };
}

export function requestInputTokens(request: Pick<MessagesRequest, "system" | "messages" | "tools">): number {
  return estimateTokens(JSON.stringify([request.system ?? "", request.messages, request.tools ?? []]));
}

/** The CLI appends its own <system-reminder> notes to tool results; a reply quotes only what the tool printed. */
export function withoutSystemReminders(text: string): string {
  return text.replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, "").trim();
}

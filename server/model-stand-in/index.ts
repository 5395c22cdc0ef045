/*
 * Offline stand-in for the Anthropic Messages API. The platform points the real Claude Code CLI
 * at it (ANTHROPIC_BASE_URL) when no model credentials are configured, so the whole path (CLI,
 * real tool runs, streaming to the browser) works without the paid API. Replies come from
 * scripts.ts and are derived from each request alone, so they survive CLI restarts and --resume.
 */
export { createModelStandIn, type ModelStandIn, type ModelStandInOptions, type StandInRequestLog } from "./server";
export { BUILT_IN_SCRIPTS, DEMO_PROMPTS, FALLBACK_SCRIPT } from "./scripts";
export { buildScriptContext, findWorkingDirectory, isAuxiliaryRequest, planReply, type PlannedReply } from "./conversation";
export type { DemoPrompt, Script, ScriptContext, ScriptStep, TextTemplate, ToolCall } from "./types";

export { createModelStandIn, type ModelStandIn, type ModelStandInOptions, type StandInRequestLog } from "./server";
export { BUILT_IN_SCRIPTS, DEMO_PROMPTS, FALLBACK_SCRIPT } from "./scripts";
export { buildScriptContext, findWorkingDirectory, isAuxiliaryRequest, planReply, type PlannedReply } from "./conversation";
export type { DemoPrompt, Script, ScriptContext, ScriptStep, TextTemplate, ToolCall } from "./types";

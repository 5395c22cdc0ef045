/** Everything a script may look at; derived from one request so replies survive CLI restarts and `--resume`. */
export interface ScriptContext {
  /** Text of the last user message that holds real text (system reminders stripped). */
  readonly prompt: string;
  /** Real-text user prompts that came before `prompt`, oldest first. */
  readonly earlierPrompts: readonly string[];
  /** Working directory the CLI announced in its system prompt, if any. */
  readonly cwd: string | undefined;
  /** Assistant turns already taken since `prompt`; selects the script step to answer with. */
  readonly stepIndex: number;
  /** Text of each tool_result since `prompt`, oldest first. */
  readonly toolResults: readonly ToolResultSummary[];
  /** Trimmed text of the newest tool_result since `prompt` ("" when there is none). */
  readonly lastToolResult: string;
  /** Whether the newest tool_result was reported as an error (denied, failed, interrupted). */
  readonly lastToolResultIsError: boolean;
}

export interface ToolResultSummary {
  readonly text: string;
  readonly isError: boolean;
}

// Input shapes mirror the CLI's own tool schemas (2.1.x); the CLI rejects anything else with
// InputValidationError, so keep these in step with `tools[].input_schema` in its requests.
export type ToolCall =
  | { readonly name: "Bash"; readonly input: { command: string; description: string; timeout?: number } }
  | { readonly name: "Write"; readonly input: { file_path: string; content: string } }
  | { readonly name: "Read"; readonly input: { file_path: string } }
  | { readonly name: "Edit"; readonly input: { file_path: string; old_string: string; new_string: string } };

/** A string may use `{{prompt}}`, `{{cwd}}` and `{{lastToolResult}}`; a function sees the whole context. */
export type TextTemplate = string | ((ctx: ScriptContext) => string);

/** One assistant turn: some text, one tool call, or both (text first, as the real model does). */
export interface ScriptStep {
  readonly text?: TextTemplate;
  readonly tool?: ToolCall | ((ctx: ScriptContext) => ToolCall);
}

export interface Script {
  readonly id: string;
  /** Shown in the demo hint; scripts without one are internal (e.g. the fallback). */
  readonly example?: string;
  readonly description?: string;
  readonly match: (prompt: string, ctx: ScriptContext) => boolean;
  readonly steps: readonly ScriptStep[] | ((ctx: ScriptContext) => readonly ScriptStep[]);
}

export interface DemoPrompt {
  readonly prompt: string;
  readonly description: string;
}

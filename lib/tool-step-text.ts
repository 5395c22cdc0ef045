/**
 * The words a person reads for one step of the agent's work. The CLI's tool results are written
 * for the model (`<tool_use_error>` tags, "STOP what you are doing…", absolute paths inside the
 * container); this turns them into a short sentence, with the original kept as details.
 */

// Every agent works in /workspace/agent-<id>/ inside the container; people know only "its folder".
const AGENT_FOLDER = /\/workspace\/agent-[A-Za-z0-9_-]+\/?/g;

/** A path or any text with the agent's folder prefix taken out (`/workspace/agent-x/a.csv` → `a.csv`). */
export function withoutAgentFolder(text: string): string {
  return text.replace(AGENT_FOLDER, "");
}

const PLAIN_TOOL_NAMES: Record<string, string> = {
  Bash: "Command",
  Write: "File",
  Edit: "Edit",
  MultiEdit: "Edit",
  Read: "Read",
  Glob: "Find files",
  Grep: "Search",
  LS: "Folder",
  WebFetch: "Web page",
  WebSearch: "Web search",
  TodoWrite: "Plan",
  NotebookEdit: "Notebook",
  Task: "Helper",
};

/** The tool's name as a label a non-programmer understands ("Bash" → "Command"). */
export function plainToolName(name: string): string {
  return PLAIN_TOOL_NAMES[name] ?? "Step";
}

export type ToolStepState = "running" | "done" | "failed" | "recovered" | "stopped";

export interface ToolStepOutcome {
  state: ToolStepState;
  /** One sentence for a step that did not simply work; absent when it did. */
  sentence?: string;
  /** What the tool printed, for the "details" a curious person can open (tags and paths cleaned). */
  details?: string;
}

// What the CLI answers the model when the person pressed Stop during a tool.
const INTERRUPTED = /doesn't want to proceed with this tool use|tool use was rejected|\[Request interrupted by user/i;
const TOOL_USE_ERROR = /<\/?tool_use_error>/g;

const KNOWN_FAILURES: { pattern: RegExp; sentence: string }[] = [
  { pattern: /has not been read yet/i, sentence: "The agent has to look at a file before changing it." },
  { pattern: /does not exist|no such file/i, sentence: "A file or folder the agent expected was not there." },
  { pattern: /permission denied/i, sentence: "The agent was not allowed to do this in its workspace." },
  { pattern: /timed? ?out/i, sentence: "This step took too long and was ended." },
  { pattern: /\bKilled\b|out of memory|MemoryError/i, sentence: "This step needed more memory than the workspace has." },
];

/**
 * How a step ended. A failed step inside a reply that went on to finish is "recovered": the
 * agent saw the failure and carried on, so it is not shown as the run's failure.
 */
export function toolStepOutcome(result: { output: string; isError: boolean } | undefined, reply: { finished: boolean; stopped: boolean }): ToolStepOutcome {
  if (!result) return reply.stopped ? { state: "stopped", sentence: "Stopped before this step finished." } : { state: reply.finished ? "done" : "running" };
  const details = withoutAgentFolder(result.output.replace(TOOL_USE_ERROR, "")).trim();
  if (INTERRUPTED.test(result.output)) return { state: "stopped", sentence: "Stopped before this step finished." };
  if (!result.isError) return { state: "done", details };
  const known = KNOWN_FAILURES.find((failure) => failure.pattern.test(details));
  if (reply.finished && !reply.stopped) {
    return { state: "recovered", sentence: `${known ? `${known.sentence} ` : ""}This step didn't work the first time; the agent carried on.`, details };
  }
  return { state: "failed", sentence: known?.sentence ?? "This step didn't work.", details };
}

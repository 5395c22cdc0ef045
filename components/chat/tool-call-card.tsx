"use client";

import { useState } from "react";
import { plainToolName, toolStepOutcome, withoutAgentFolder, type ToolStepState } from "@/lib/tool-step-text";
import { HighlightedCode } from "./lazy-highlighted-code";

export interface ToolCallView {
  id: string;
  name: string;
  input: unknown;
  result?: { output: string; isError: boolean };
}

function field(input: unknown, key: string): string | undefined {
  if (input && typeof input === "object" && key in input) {
    const value = (input as Record<string, unknown>)[key];
    return typeof value === "string" ? value : undefined;
  }
  return undefined;
}

/** What a person recognises: the command that ran, or the file that was read or written. */
export function describeToolCall(name: string, input: unknown): { title: string; detail?: string; language?: string } {
  const described = describeRawToolCall(name, input);
  return { ...described, title: withoutAgentFolder(described.title) };
}

function describeRawToolCall(name: string, input: unknown): { title: string; detail?: string; language?: string } {
  switch (name) {
    case "Bash":
      return { title: field(input, "description") ?? "Ran a command", detail: field(input, "command"), language: "bash" };
    case "Write":
      return { title: `Wrote ${field(input, "file_path") ?? "a file"}`, detail: field(input, "content"), language: languageOf(field(input, "file_path")) };
    case "Edit":
      return { title: `Edited ${field(input, "file_path") ?? "a file"}`, detail: field(input, "new_string"), language: languageOf(field(input, "file_path")) };
    case "Read":
      return { title: `Read ${field(input, "file_path") ?? "a file"}` };
    default:
      return { title: `Used ${plainToolName(name).toLowerCase()}`, detail: JSON.stringify(input, null, 2), language: "json" };
  }
}

function languageOf(path: string | undefined): string | undefined {
  const extension = path?.split(".").pop()?.toLowerCase();
  return extension === "py" ? "python" : extension === "sh" ? "bash" : extension === "json" ? "json" : extension === "sql" ? "sql" : undefined;
}

const DOT: Record<ToolStepState, string> = {
  running: "animate-pulse bg-warning",
  done: "bg-success",
  failed: "bg-danger",
  recovered: "bg-warning",
  stopped: "bg-ink-muted",
};
const STATE_LABEL: Record<ToolStepState, string> = { running: "running…", done: "", failed: "didn't work", recovered: "retried", stopped: "stopped" };

/** One step of the agent's work: a plain title, a sentence when it did not simply work, and the code and output as details. */
export function ToolCallCard({ call, reply }: { call: ToolCallView; reply: { finished: boolean; stopped: boolean } }) {
  const [open, setOpen] = useState(false);
  const { title, detail, language } = describeToolCall(call.name, call.input);
  const outcome = toolStepOutcome(call.result, reply);
  const state = outcome.state;
  return (
    <div data-testid="tool-call" data-state={state} className={`rounded-md border text-sm ${state === "failed" ? "border-danger/50" : "border-border"} bg-surface`}>
      <button
        type="button"
        onClick={() => setOpen((value) => !value)}
        aria-expanded={open}
        className="flex w-full items-center gap-2 px-3 py-2 text-left"
      >
        <span aria-hidden className={`h-2 w-2 shrink-0 rounded-full ${DOT[state]}`} />
        <span className="rounded bg-surface-muted px-1.5 py-0.5 text-xs text-ink-muted">{plainToolName(call.name)}</span>
        <span className="min-w-0 flex-1 truncate">{title}</span>
        <span className="text-xs text-ink-muted">
          {STATE_LABEL[state]}
          {STATE_LABEL[state] ? " · " : ""}
          {open ? "hide details" : "details"}
        </span>
      </button>
      {outcome.sentence ? (
        <p data-testid="tool-step-sentence" className={`px-3 pb-2 text-sm ${state === "failed" ? "text-danger" : "text-ink-muted"}`}>
          {outcome.sentence}
        </p>
      ) : null}
      {open ? (
        <div className="space-y-2 border-t border-border px-3 py-2">
          {detail ? <HighlightedCode code={withoutAgentFolder(detail)} language={language} /> : null}
          {outcome.details !== undefined ? (
            <div>
              <div className="mb-1 text-xs font-medium text-ink-muted">{state === "done" ? "Output" : "What it printed"}</div>
              <pre data-testid="tool-output" className="max-h-72 overflow-auto rounded-md bg-surface-muted p-2 font-mono text-xs whitespace-pre-wrap">
                {outcome.details || "(no output)"}
              </pre>
            </div>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

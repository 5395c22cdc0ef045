"use client";

import { useState } from "react";
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
      return { title: `Used ${name}`, detail: JSON.stringify(input, null, 2), language: "json" };
  }
}

function languageOf(path: string | undefined): string | undefined {
  const extension = path?.split(".").pop()?.toLowerCase();
  return extension === "py" ? "python" : extension === "sh" ? "bash" : extension === "json" ? "json" : extension === "sql" ? "sql" : undefined;
}

export function ToolCallCard({ call }: { call: ToolCallView }) {
  const [open, setOpen] = useState(false);
  const { title, detail, language } = describeToolCall(call.name, call.input);
  const state = !call.result ? "running" : call.result.isError ? "error" : "done";
  return (
    <div data-testid="tool-call" data-state={state} className={`rounded-md border text-sm ${state === "error" ? "border-danger/50" : "border-border"} bg-surface`}>
      <button
        type="button"
        onClick={() => setOpen((value) => !value)}
        aria-expanded={open}
        className="flex w-full items-center gap-2 px-3 py-2 text-left"
      >
        <span aria-hidden className={`h-2 w-2 shrink-0 rounded-full ${state === "running" ? "animate-pulse bg-warning" : state === "error" ? "bg-danger" : "bg-success"}`} />
        <span className="rounded bg-surface-muted px-1.5 py-0.5 font-mono text-xs text-ink-muted">{call.name}</span>
        <span className="min-w-0 flex-1 truncate">{title}</span>
        <span className="text-xs text-ink-muted">{state === "running" ? "running…" : state === "error" ? "failed" : open ? "hide" : "show"}</span>
      </button>
      {open || state === "error" ? (
        <div className="space-y-2 border-t border-border px-3 py-2">
          {detail ? <HighlightedCode code={detail} language={language} /> : null}
          {call.result ? (
            <div>
              <div className="mb-1 text-xs font-medium text-ink-muted">{call.result.isError ? "Error" : "Output"}</div>
              <pre data-testid="tool-output" className={`max-h-72 overflow-auto rounded-md p-2 font-mono text-xs whitespace-pre-wrap ${call.result.isError ? "bg-danger/10 text-danger" : "bg-surface-muted"}`}>
                {call.result.output || "(no output)"}
              </pre>
            </div>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

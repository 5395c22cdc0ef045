"use client";

import { errorMessageFor } from "@/lib/error-messages";
import type { ErrorCode } from "@/lib/errors";
import { fileContentUrl } from "@/lib/file-urls";
import type { ContentBlock, Message } from "@/lib/records";
import { lazy, Suspense, useEffect, useState } from "react";
import { useConnectionStore } from "@/stores/connection-store";
import type { Markdown as MarkdownComponent } from "./markdown";

// The markdown renderer is a large share of the chat page's JavaScript: it loads after the page,
// and until then a reply shows as plain text (still readable, still streaming).
let loadedMarkdown: typeof MarkdownComponent | null = null;

function Markdown({ text }: { text: string }) {
  const [Rendered, setRendered] = useState<typeof MarkdownComponent | null>(() => loadedMarkdown);
  useEffect(() => {
    if (Rendered) return;
    void import("./markdown").then((module) => {
      loadedMarkdown = module.Markdown;
      setRendered(() => module.Markdown);
    });
  }, [Rendered]);
  if (!Rendered) return <p className="text-[15px] leading-relaxed whitespace-pre-wrap">{text}</p>;
  return <Rendered text={text} />;
}
import type { ToolCallView } from "./tool-call-card";

// A step's card (its plain wording, details, highlighted code) loads with the first step shown,
// keeping the chat's first load within budget; until then a quiet placeholder row holds its place.
const ToolCallCard = lazy(() => import("./tool-call-card").then((module) => ({ default: module.ToolCallCard })));

function ToolCallPlaceholder() {
  return <div aria-hidden className="h-9 rounded-md border border-border bg-surface" />;
}

type Piece =
  | { kind: "text"; text: string }
  | { kind: "tool"; call: ToolCallView }
  | { kind: "image"; path: string }
  | { kind: "file"; path: string; name: string };

/** Pairs each tool call with its result so a card shows both; other blocks stay in order. */
export function piecesOf(content: ContentBlock[]): Piece[] {
  const results = new Map<string, { output: string; isError: boolean }>();
  for (const block of content) if (block.type === "tool_result") results.set(block.toolUseId, { output: block.output, isError: block.isError });
  const pieces: Piece[] = [];
  for (const block of content) {
    if (block.type === "text" && block.text.trim()) pieces.push({ kind: "text", text: block.text });
    else if (block.type === "tool_use") pieces.push({ kind: "tool", call: { id: block.id, name: block.name, input: block.input, result: results.get(block.id) } });
    else if (block.type === "image") pieces.push({ kind: "image", path: block.path });
    else if (block.type === "file") pieces.push({ kind: "file", path: block.path, name: block.name ?? block.path.split("/").pop() ?? block.path });
  }
  return pieces;
}

function formatCost(costUsd: number): string {
  return costUsd < 0.01 ? `$${costUsd.toFixed(4)}` : `$${costUsd.toFixed(2)}`;
}

/** The files a run produced, as download links under the reply (scheduled reports, spreadsheets…). */
function ProducedFiles({ agentId, files }: { agentId: string; files: { path: string; name: string }[] }) {
  return (
    <div data-testid="produced-files" className="flex flex-wrap gap-2">
      {files.map((file) => (
        <a
          key={file.path}
          href={fileContentUrl(agentId, file.path, { download: true })}
          download={file.name}
          title={`Download ${file.path}`}
          className="inline-flex items-center gap-1.5 rounded-md border border-border bg-surface px-2.5 py-1 text-sm text-ink hover:border-accent hover:text-accent"
        >
          <span aria-hidden>📄</span>
          {file.name}
        </a>
      ))}
    </div>
  );
}

export function ChatMessage({ message, agentId, renderImage }: { message: Message; agentId?: string; renderImage?: (path: string) => React.ReactNode }) {
  if (message.role === "user") {
    const text = message.content.map((block) => (block.type === "text" ? block.text : "")).join("\n");
    return (
      <div data-testid="user-message" className="flex justify-end">
        <div className="max-w-[85%] rounded-card bg-accent px-4 py-2 text-[15px] whitespace-pre-wrap text-accent-ink">{text}</div>
      </div>
    );
  }

  return <AssistantMessage message={message} agentId={agentId} renderImage={renderImage} />;
}

function AssistantMessage({ message, agentId, renderImage }: { message: Message; agentId?: string; renderImage?: (path: string) => React.ReactNode }) {
  // The demo model reports made-up usage: it is labelled so nobody thinks money was spent.
  const demo = useConnectionStore((state) => state.offlineDemoModel) === true;
  const pieces = piecesOf(message.content);
  const streaming = message.status === "streaming";
  return (
    <div data-testid="assistant-message" data-status={message.status} className="space-y-3">
      {pieces.filter((piece) => piece.kind !== "file").map((piece, index) =>
        piece.kind === "text" ? (
          <Markdown key={index} text={piece.text} />
        ) : piece.kind === "tool" ? (
          <Suspense key={piece.call.id} fallback={<ToolCallPlaceholder />}>
            <ToolCallCard call={piece.call} reply={{ finished: !streaming, stopped: message.status === "interrupted" }} />
          </Suspense>
        ) : piece.kind === "image" ? (
          <div key={piece.path}>{renderImage?.(piece.path)}</div>
        ) : null,
      )}
      {agentId && pieces.some((piece) => piece.kind === "file") ? (
        <ProducedFiles agentId={agentId} files={pieces.flatMap((piece) => (piece.kind === "file" ? [piece] : []))} />
      ) : null}
      {streaming && pieces.length === 0 ? <p className="text-sm text-ink-muted">Thinking…</p> : null}
      {message.status === "interrupted" ? (
        <p className="text-sm text-warning">Stopped before the reply was finished. Send a message to continue.</p>
      ) : null}
      {message.status === "failed" ? (
        <p role="alert" className="rounded-md border border-danger/40 bg-danger/10 px-3 py-2 text-sm text-danger">
          {message.error ? errorMessageFor({ code: message.error.code as ErrorCode, message: message.error.message }) : "The agent could not finish this reply. Send your message again."}
        </p>
      ) : null}
      {!streaming && (message.usage || message.costUsd !== undefined) ? (
        <p data-testid="reply-usage" className="text-xs text-ink-muted">
          {message.usage ? `${(message.usage.inputTokens + message.usage.cacheReadTokens + message.usage.cacheCreationTokens).toLocaleString()} tokens in · ${message.usage.outputTokens.toLocaleString()} out` : null}
          {message.costUsd !== undefined ? ` · ${formatCost(message.costUsd)}` : null}
          {demo ? " · demo, not billed" : null}
        </p>
      ) : null}
    </div>
  );
}

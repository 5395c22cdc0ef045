"use client";

import { useEffect, useState } from "react";
import { useStore } from "zustand";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { fileContentUrl } from "@/lib/file-api";
import type { RunStatus } from "@/lib/records";
import { formatCost, formatDateTime, formatDuration, type RunSummary } from "@/lib/run-api";
import { useNotificationsStore } from "@/stores/notifications-store";
import { createRunsStore, type RunFilter } from "@/stores/runs-store";
import { AgentUsage } from "./agent-usage";
import { openRunConversation } from "./open-run-conversation";
import { WebhookOutcomeNote } from "./webhook-outcome";

const filters: { value: RunFilter; label: string }[] = [
  { value: "all", label: "All" },
  { value: "schedule", label: "Scheduled" },
  { value: "chat", label: "Chat" },
];

/** Every run of the agent, newest first: how it went, what it cost, what it said and made. */
export function RunHistoryPanel({ agentId, onOpenConversation: openInChat }: { agentId: string; onOpenConversation(conversationId: string): void }) {
  const onOpenConversation = (conversationId: string) => openRunConversation(conversationId, openInChat);
  const [store] = useState(() => createRunsStore(agentId));
  const status = useStore(store, (state) => state.status);
  const runs = useStore(store, (state) => state.runs);
  const filter = useStore(store, (state) => state.filter);
  const problem = useStore(store, (state) => state.problem);
  // A notification means a run just ended: show it without waiting for the next refresh.
  const latestNotification = useNotificationsStore((state) => state.notifications[0]?.id);

  useEffect(() => {
    void store.getState().load();
  }, [store, latestNotification]);

  useEffect(() => {
    const timer = window.setInterval(() => void store.getState().load(), 15_000);
    return () => window.clearInterval(timer);
  }, [store]);

  return (
    <section className="flex flex-col gap-4 p-4" data-testid="runs-panel">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div>
          <h2 className="text-base font-semibold">Runs</h2>
          <p className="text-xs text-ink-muted">Each reply and each scheduled run. Open one to read it as a conversation.</p>
        </div>
        <div role="group" aria-label="Show runs" className="flex rounded-md border border-border p-0.5 text-xs">
          {filters.map((choice) => (
            <button
              key={choice.value}
              type="button"
              aria-pressed={filter === choice.value}
              onClick={() => void store.getState().setFilter(choice.value)}
              className={`rounded px-2 py-1 ${filter === choice.value ? "bg-surface-muted font-medium text-ink" : "text-ink-muted hover:text-ink"}`}
            >
              {choice.label}
            </button>
          ))}
        </div>
      </div>

      <AgentUsage agentId={agentId} refreshToken={latestNotification} />

      {problem ? (
        <p role="alert" className="rounded-md border border-danger/30 bg-danger/5 px-3 py-2 text-sm text-danger">
          {problem}
        </p>
      ) : null}
      {status === "loading" || status === "idle" ? <p className="text-sm text-ink-muted">Loading runs…</p> : null}
      {status === "ready" && runs.length === 0 ? (
        <div className="rounded-card border border-dashed border-border px-4 py-8 text-center text-sm text-ink-muted">
          <p className="font-medium text-ink">No runs yet</p>
          <p className="mt-1">{filter === "schedule" ? "Scheduled runs show here once a schedule has run." : "Chat with the agent or add a schedule: each run shows here."}</p>
        </div>
      ) : null}

      <ul className="flex flex-col gap-3">
        {runs.map((run) => (
          <li key={run.id}>
            <RunItem agentId={agentId} run={run} onOpenConversation={onOpenConversation} />
          </li>
        ))}
      </ul>
    </section>
  );
}

const statusLabels: Record<RunStatus, [string, BadgeTone]> = {
  running: ["Running", "accent"],
  complete: ["Finished", "success"],
  interrupted: ["Interrupted", "warning"],
  failed: ["Failed", "danger"],
};

function RunItem({ agentId, run, onOpenConversation }: { agentId: string; run: RunSummary; onOpenConversation(conversationId: string): void }) {
  const [label, tone] = statusLabels[run.status];
  // Headed by what started it: a chat's title is only its first question.
  const title = run.prompt || run.conversationTitle.trim() || "Untitled conversation";
  return (
    <article className="flex flex-col gap-2 rounded-card border border-border bg-surface p-3" data-testid="run-item" data-status={run.status} data-trigger={run.trigger}>
      <div className="flex flex-wrap items-center gap-2">
        <Badge tone={tone}>{label}</Badge>
        <Badge>{run.trigger === "schedule" ? "Scheduled" : "Chat"}</Badge>
        <time dateTime={run.startedAt} className="text-xs text-ink-muted">
          {formatDateTime(run.startedAt)}
        </time>
      </div>
      <button
        type="button"
        onClick={() => onOpenConversation(run.conversationId)}
        className="truncate text-left text-sm font-medium text-accent hover:underline"
        title={`Open “${run.conversationTitle.trim() || title}” in the chat`}
      >
        {title}
      </button>
      {run.outputPreview ? (
        <p className="line-clamp-3 text-sm whitespace-pre-line text-ink-muted" data-testid="run-output">
          {plainText(run.outputPreview)}
        </p>
      ) : null}
      {run.error && run.status !== "complete" ? <p className="text-xs text-danger">{run.error.message}</p> : null}
      {run.webhook ? <WebhookOutcomeNote delivery={run.webhook} /> : null}
      <dl className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-ink-muted">
        <div className="flex gap-1">
          <dt>Took</dt>
          <dd className="text-ink">{run.durationMs !== undefined ? formatDuration(run.durationMs) : run.status === "running" ? "still running" : "—"}</dd>
        </div>
        <div className="flex gap-1">
          <dt>Cost</dt>
          <dd className="text-ink">{run.costUsd !== undefined ? formatCost(run.costUsd) : "—"}</dd>
        </div>
      </dl>
      {run.files.length > 0 ? (
        <div className="text-xs">
          <p className="text-ink-muted">Files it made</p>
          <ul className="mt-1 flex flex-wrap gap-1.5">
            {run.files.map((path) => (
              <li key={path}>
                <a
                  href={fileContentUrl(agentId, path, { download: true })}
                  download={path.split("/").pop()}
                  className="inline-block max-w-56 truncate rounded border border-border px-1.5 py-0.5 font-mono text-ink hover:bg-surface-muted"
                  title={`Download ${path}`}
                >
                  {path}
                </a>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </article>
  );
}

/** The preview is the start of a Markdown reply: its emphasis marks would only be noise in two lines. */
function plainText(markdown: string): string {
  return markdown.replace(/(\*\*|__|`)/g, "").replace(/^#+\s+/gm, "");
}

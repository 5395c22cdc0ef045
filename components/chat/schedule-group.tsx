"use client";

import { useState, type ReactNode } from "react";
import { scheduledRunLabel } from "@/lib/conversation-groups";
import type { Conversation } from "@/lib/records";

/** Every run of one schedule under one line that opens to list them; open while one of them is on screen. */
export function ScheduleGroup({
  label,
  runs,
  activeId,
  renderRun,
}: {
  label: string;
  runs: Conversation[];
  activeId: string | null;
  renderRun(conversation: Conversation, label?: string): ReactNode;
}) {
  const holdsActive = runs.some((run) => run.id === activeId);
  const [expanded, setExpanded] = useState(holdsActive);
  const [wasActive, setWasActive] = useState(holdsActive);
  // Opening one of its runs from elsewhere (Runs panel, a notification) shows it in place.
  if (holdsActive !== wasActive) {
    setWasActive(holdsActive);
    if (holdsActive) setExpanded(true);
  }
  const running = runs.some((run) => run.status === "running");
  return (
    <li data-testid="schedule-group">
      <button
        type="button"
        aria-expanded={expanded}
        onClick={() => setExpanded((open) => !open)}
        className="flex w-full items-start gap-1.5 rounded px-2 py-1.5 text-left text-sm text-ink-muted hover:bg-surface-muted"
      >
        <span aria-hidden className="mt-0.5 w-3 shrink-0 text-xs">
          {expanded ? "▾" : "▸"}
        </span>
        <span className="min-w-0 flex-1">
          <span className="block truncate text-ink">
            {running ? <span aria-label="running" className="mr-1.5 inline-block h-1.5 w-1.5 animate-pulse rounded-full bg-accent align-middle" /> : null}
            {label}
          </span>
          <span className="block text-xs">
            Scheduled · {runs.length === 1 ? "1 run" : `${runs.length} runs`}
          </span>
        </span>
      </button>
      {expanded ? (
        <ul className="ml-4 space-y-0.5 border-l border-border pl-1" aria-label={`Runs of ${label}`}>
          {runs.map((run) => renderRun(run, scheduledRunLabel(run.title).slot || undefined))}
        </ul>
      ) : null}
    </li>
  );
}

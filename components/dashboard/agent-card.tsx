"use client";

import Link from "next/link";
import { useId } from "react";
import type { AgentSummary } from "@/lib/agent-api";
import { Button, buttonClasses } from "@/components/ui/button";
import { AgentIcon, type IconName } from "./agent-icon";
import { AgentStatusBadge } from "./agent-status-badge";
import { formatRelativeTime } from "./relative-time";

export function AgentCard({
  agent,
  icon,
  now,
  busy,
  onEdit,
  onDuplicate,
  onDelete,
}: {
  agent: AgentSummary;
  icon?: IconName;
  now: Date;
  busy: boolean;
  onEdit: () => void;
  onDuplicate: () => void;
  onDelete: () => void;
}) {
  const nameId = useId();
  const chatHref = `/agents/${encodeURIComponent(agent.id)}`;
  return (
    <article
      aria-labelledby={nameId}
      aria-busy={busy || undefined}
      data-testid="agent-card"
      data-agent-id={agent.id}
      className="flex flex-col rounded-card border border-border bg-surface p-5 shadow-card transition-colors hover:border-accent/40"
    >
      <div className="flex items-start gap-3">
        <AgentIcon icon={icon} name={agent.name} />
        <div className="min-w-0 flex-1">
          <h2 id={nameId} className="line-clamp-2 text-base leading-6 font-semibold break-words text-ink">
            <Link href={chatHref} className="rounded-sm hover:text-accent hover:underline hover:underline-offset-2">
              {agent.name}
            </Link>
          </h2>
          <div className="mt-1 flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-ink-muted">
            <AgentStatusBadge status={agent.status} />
            {agent.copiedFrom ? <span data-testid="agent-copy-note">A copy: changing it leaves the original alone</span> : null}
            <span>
              Active{" "}
              <time dateTime={agent.lastActivityAt} title={new Date(agent.lastActivityAt).toLocaleString()}>
                {formatRelativeTime(agent.lastActivityAt, now)}
              </time>
            </span>
          </div>
        </div>
      </div>

      <p className="mt-3 line-clamp-3 flex-1 text-sm leading-relaxed text-ink-muted" data-testid="agent-description">
        {agent.description || <span className="italic">No description yet. Use Edit to say what this agent is for.</span>}
      </p>

      <div className="mt-4 flex flex-wrap items-center gap-1 border-t border-border pt-3">
        <Link href={chatHref} className={buttonClasses("secondary", "sm")}>
          Open chat
        </Link>
        <span className="flex-1" />
        <Button variant="ghost" size="sm" onClick={onEdit} aria-label={`Edit ${agent.name}`}>
          Edit
        </Button>
        <Button variant="ghost" size="sm" onClick={onDuplicate} disabled={busy} aria-label={`Duplicate ${agent.name}`}>
          Duplicate
        </Button>
        <Button variant="ghost" size="sm" onClick={onDelete} disabled={busy} aria-label={`Delete ${agent.name}`} className="hover:text-danger">
          Delete
        </Button>
      </div>
    </article>
  );
}

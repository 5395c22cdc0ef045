"use client";

import { useState } from "react";
import type { Conversation } from "@/lib/records";

export function ConversationList({
  conversations,
  activeId,
  onOpen,
  onNew,
  onRename,
  onDelete,
}: {
  conversations: Conversation[];
  activeId: string | null;
  onOpen(id: string): void;
  onNew(): void;
  onRename(id: string, title: string): void;
  onDelete(id: string): void;
}) {
  const [editing, setEditing] = useState<string | null>(null);
  const [draft, setDraft] = useState("");
  return (
    <nav aria-label="Conversations" className="flex h-full flex-col">
      <button
        type="button"
        onClick={onNew}
        className="m-3 rounded-md border border-border bg-surface px-3 py-2 text-sm font-medium hover:bg-surface-muted"
      >
        + New conversation
      </button>
      <ul className="flex-1 space-y-0.5 overflow-y-auto px-2 pb-3" data-testid="conversation-list">
        {conversations.length === 0 ? <li className="px-2 py-1 text-sm text-ink-muted">No conversations yet.</li> : null}
        {conversations.map((conversation) => (
          <li key={conversation.id} className="group flex items-center gap-1">
            {editing === conversation.id ? (
              <form
                className="flex-1"
                onSubmit={(event) => {
                  event.preventDefault();
                  if (draft.trim()) onRename(conversation.id, draft.trim());
                  setEditing(null);
                }}
              >
                <label className="sr-only" htmlFor={`rename-${conversation.id}`}>
                  Conversation title
                </label>
                <input
                  id={`rename-${conversation.id}`}
                  autoFocus
                  value={draft}
                  onChange={(event) => setDraft(event.target.value)}
                  onBlur={() => setEditing(null)}
                  onKeyDown={(event) => event.key === "Escape" && setEditing(null)}
                  className="w-full rounded border border-accent bg-canvas px-2 py-1 text-sm"
                />
              </form>
            ) : (
              <>
                <button
                  type="button"
                  onClick={() => onOpen(conversation.id)}
                  aria-current={conversation.id === activeId ? "page" : undefined}
                  className={`min-w-0 flex-1 truncate rounded px-2 py-1.5 text-left text-sm ${conversation.id === activeId ? "bg-surface-muted font-medium text-ink" : "text-ink-muted hover:bg-surface-muted"}`}
                >
                  {conversation.status === "running" ? <span aria-label="running" className="mr-1.5 inline-block h-1.5 w-1.5 animate-pulse rounded-full bg-accent align-middle" /> : null}
                  {conversation.title || "New conversation"}
                </button>
                <button
                  type="button"
                  aria-label={`Rename ${conversation.title || "conversation"}`}
                  onClick={() => {
                    setDraft(conversation.title);
                    setEditing(conversation.id);
                  }}
                  className="rounded px-1 text-xs text-ink-muted opacity-0 group-hover:opacity-100 focus:opacity-100"
                >
                  Rename
                </button>
                <button
                  type="button"
                  aria-label={`Delete ${conversation.title || "conversation"}`}
                  onClick={() => {
                    if (window.confirm(`Delete "${conversation.title || "New conversation"}"? Its messages will be gone for good.`)) onDelete(conversation.id);
                  }}
                  className="rounded px-1 text-xs text-danger opacity-0 group-hover:opacity-100 focus:opacity-100"
                >
                  Delete
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
    </nav>
  );
}

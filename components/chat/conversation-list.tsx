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
  const [menuFor, setMenuFor] = useState<string | null>(null);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
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
          <li key={conversation.id} className="flex items-center gap-1">
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
              <div className="min-w-0 flex-1">
                <div className="flex items-start">
                  <button
                    type="button"
                    onClick={() => onOpen(conversation.id)}
                    aria-current={conversation.id === activeId ? "page" : undefined}
                    className={`min-w-0 flex-1 rounded px-2 py-1.5 text-left text-sm ${conversation.id === activeId ? "bg-surface-muted font-medium text-ink" : "text-ink-muted hover:bg-surface-muted"}`}
                  >
                    <span className="block truncate">
                      {conversation.status === "running" ? <span aria-label="running" className="mr-1.5 inline-block h-1.5 w-1.5 animate-pulse rounded-full bg-accent align-middle" /> : null}
                      {conversation.title || "New conversation"}
                    </span>
                    <time dateTime={conversation.updatedAt} className="block text-xs font-normal text-ink-muted">
                      {new Date(conversation.updatedAt).toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" })}
                    </time>
                  </button>
                  {/* Always there (a phone has no hover), one small button: the title keeps the width. */}
                  <button
                    type="button"
                    aria-label={`Actions for ${conversation.title || "New conversation"}`}
                    aria-expanded={menuFor === conversation.id}
                    onClick={() => {
                      setConfirmingDelete(false);
                      setMenuFor((current) => (current === conversation.id ? null : conversation.id));
                    }}
                    className="h-8 w-7 shrink-0 rounded text-ink-muted hover:bg-surface-muted"
                  >
                    ⋯
                  </button>
                </div>
                {menuFor === conversation.id ? (
                  <div className="flex flex-wrap items-center gap-2 px-2 pb-2 text-xs">
                    {confirmingDelete ? (
                      <>
                        <span className="text-ink">Delete for good?</span>
                        <button type="button" className="rounded bg-danger px-2 py-1 text-white" onClick={() => onDelete(conversation.id)}>
                          Delete conversation
                        </button>
                        <button type="button" className="rounded border border-border px-2 py-1" onClick={() => setConfirmingDelete(false)}>
                          Cancel
                        </button>
                      </>
                    ) : (
                      <>
                        <button
                          type="button"
                          className="rounded border border-border px-2 py-1"
                          onClick={() => {
                            setDraft(conversation.title);
                            setEditing(conversation.id);
                            setMenuFor(null);
                          }}
                        >
                          Rename
                        </button>
                        <button type="button" className="rounded border border-danger/40 px-2 py-1 text-danger" onClick={() => setConfirmingDelete(true)}>
                          Delete
                        </button>
                      </>
                    )}
                  </div>
                ) : null}
              </div>
            )}
          </li>
        ))}
      </ul>
    </nav>
  );
}

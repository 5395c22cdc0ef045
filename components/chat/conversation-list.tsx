"use client";

import { Suspense, useState } from "react";
import { groupConversations } from "@/lib/conversation-groups";
import type { Conversation } from "@/lib/records";
import { ConversationMenu, ConversationSearch, ScheduleGroup } from "./chat-extras-loader";

export function ConversationList({
  agentId,
  conversations,
  activeId,
  onOpen,
  onNew,
  onRename,
  onDelete,
  onExport,
}: {
  agentId: string;
  conversations: Conversation[];
  activeId: string | null;
  onOpen(id: string): void;
  onNew(): void;
  onRename(id: string, title: string): void;
  onDelete(id: string): void;
  onExport(id: string): void;
}) {
  const [menuFor, setMenuFor] = useState<string | null>(null);
  const [searching, setSearching] = useState(false);
  // A run under its schedule shows only its time: the group already says what it runs.
  const row = (conversation: Conversation, label?: string) => (
    <li key={conversation.id}>
      <div className="flex items-start">
        <button
          type="button"
          onClick={() => onOpen(conversation.id)}
          aria-current={conversation.id === activeId ? "page" : undefined}
          className={`min-w-0 flex-1 rounded px-2 py-1.5 text-left text-sm ${conversation.id === activeId ? "bg-surface-muted font-medium text-ink" : "text-ink-muted hover:bg-surface-muted"}`}
        >
          <span className="block truncate">
            {conversation.status === "running" ? <span aria-label="running" className="mr-1.5 inline-block h-1.5 w-1.5 animate-pulse rounded-full bg-accent align-middle" /> : null}
            {label ?? (conversation.title || "New conversation")}
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
          onClick={() => setMenuFor((current) => (current === conversation.id ? null : conversation.id))}
          className="h-8 w-7 shrink-0 rounded text-ink-muted hover:bg-surface-muted"
        >
          ⋯
        </button>
      </div>
      {menuFor === conversation.id ? (
        <Suspense fallback={null}>
          <ConversationMenu conversation={conversation} onRename={onRename} onDelete={onDelete} onExport={onExport} onClose={() => setMenuFor(null)} />
        </Suspense>
      ) : null}
    </li>
  );
  return (
    <nav aria-label="Conversations" className="flex h-full flex-col">
      <button
        type="button"
        onClick={onNew}
        className="m-3 rounded-md border border-border bg-surface px-3 py-2 text-sm font-medium hover:bg-surface-muted"
      >
        + New conversation
      </button>
      <Suspense fallback={null}>
        <ConversationSearch agentId={agentId} onOpen={onOpen} onSearchingChange={setSearching} />
      </Suspense>
      <ul hidden={searching} className="flex-1 space-y-0.5 overflow-y-auto px-2 pb-3" data-testid="conversation-list">
        {conversations.length === 0 ? <li className="px-2 py-1 text-sm text-ink-muted">No conversations yet.</li> : null}
        {groupConversations(conversations).map((entry) =>
          entry.kind === "conversation" ? (
            row(entry.conversation)
          ) : (
            <Suspense key={entry.scheduleId} fallback={null}>
              <ScheduleGroup label={entry.label} runs={entry.runs} activeId={activeId} renderRun={row} />
            </Suspense>
          ),
        )}
      </ul>
    </nav>
  );
}


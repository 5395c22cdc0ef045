"use client";

import { useState } from "react";
import type { Conversation } from "@/lib/records";

const actionClass = "rounded border border-border px-2 py-1";

/** What the ⋯ button of a conversation opens: rename in place, export, and delete asked in the page. */
export function ConversationMenu({
  conversation,
  onRename,
  onDelete,
  onExport,
  onClose,
}: {
  conversation: Conversation;
  onRename(id: string, title: string): void;
  onDelete(id: string): void;
  onExport(id: string): void;
  onClose(): void;
}) {
  const [mode, setMode] = useState<"menu" | "rename" | "delete">("menu");
  const [draft, setDraft] = useState(conversation.title);
  if (mode === "rename") {
    return (
      <form
        className="px-2 pb-2"
        onSubmit={(event) => {
          event.preventDefault();
          if (draft.trim()) onRename(conversation.id, draft.trim());
          onClose();
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
          onBlur={onClose}
          onKeyDown={(event) => event.key === "Escape" && onClose()}
          className="w-full rounded border border-accent bg-canvas px-2 py-1 text-sm"
        />
      </form>
    );
  }
  return (
    <div className="flex flex-wrap items-center gap-2 px-2 pb-2 text-xs">
      {mode === "delete" ? (
        <>
          <span className="text-ink">Delete for good?</span>
          <button type="button" className="rounded bg-danger px-2 py-1 text-white" onClick={() => onDelete(conversation.id)}>
            Delete conversation
          </button>
          <button type="button" className={actionClass} onClick={() => setMode("menu")}>
            Cancel
          </button>
        </>
      ) : (
        <>
          <button type="button" className={actionClass} onClick={() => setMode("rename")}>
            Rename
          </button>
          <button
            type="button"
            className={actionClass}
            onClick={() => {
              onExport(conversation.id);
              onClose();
            }}
          >
            Export
          </button>
          <button type="button" className="rounded border border-danger/40 px-2 py-1 text-danger" onClick={() => setMode("delete")}>
            Delete
          </button>
        </>
      )}
    </div>
  );
}

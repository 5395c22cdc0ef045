"use client";

import { messageText } from "@/lib/message-text";
import type { Message } from "@/lib/records";
import { CopyButton } from "./copy-button";

const actionClass = "rounded border border-border bg-surface px-2 py-0.5 text-xs text-ink-muted hover:border-accent hover:text-accent disabled:opacity-50";

/**
 * Under a finished reply: copy it; under the last one, write it again (a new turn of the same
 * session, with the same question). Under the last question: put it back in the composer to edit.
 */
export function MessageActions({
  message,
  last,
  busy,
  onRegenerate,
  onEdit,
}: {
  message: Message;
  last: boolean;
  busy: boolean;
  onRegenerate(): void;
  onEdit(text: string): void;
}) {
  const text = messageText(message);
  if (message.role === "user") {
    if (!last) return null;
    return (
      <div className="-mt-4 flex justify-end">
        <button type="button" className={actionClass} disabled={busy} onClick={() => onEdit(text)}>
          Edit
        </button>
      </div>
    );
  }
  return (
    <div className="-mt-3 flex gap-2" data-testid="reply-actions">
      {text ? <CopyButton text={text} label="Copy reply" /> : null}
      {last ? (
        <button type="button" className={actionClass} disabled={busy} onClick={onRegenerate}>
          Regenerate
        </button>
      ) : null}
    </div>
  );
}

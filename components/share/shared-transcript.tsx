"use client";

import { ChatMessage } from "@/components/chat/chat-message";
import type { SharedMessage } from "@/lib/share-api";

/**
 * A shared conversation, read-only, drawn by the chat's own message component. Images stay in the
 * owner's workspace (its files are theirs alone), so each shows as a placeholder naming it.
 */
export function SharedTranscript({ messages }: { messages: SharedMessage[] }) {
  return (
    <div className="space-y-6" data-testid="shared-transcript">
      {messages.map((message) => (
        <ChatMessage
          key={message.id}
          message={{ ...message, conversationId: "shared", updatedAt: message.createdAt }}
          renderImage={(name) => (
            <p data-testid="shared-image-placeholder" className="rounded-md border border-dashed border-border px-3 py-2 text-sm text-ink-muted">
              The agent made an image here (“{name}”). Images are not included in shared links.
            </p>
          )}
        />
      ))}
    </div>
  );
}

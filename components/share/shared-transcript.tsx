"use client";

import { useState } from "react";
import { ChatMessage } from "@/components/chat/chat-message";
import { sharedFileContentUrl } from "@/lib/shared-file-urls";
import type { SharedMessage } from "@/lib/share-api";

/**
 * A shared conversation, read-only, drawn by the chat's own message component. The images the
 * agent made load through the share link's own route (the token authorises them, not the owner's
 * session), so a visitor sees the charts the owner saw.
 */
export function SharedTranscript({ messages, shareToken }: { messages: SharedMessage[]; shareToken: string }) {
  return (
    <div className="space-y-6" data-testid="shared-transcript">
      {messages.map((message) => (
        <ChatMessage
          key={message.id}
          message={{ ...message, conversationId: "shared", updatedAt: message.createdAt }}
          renderImage={(path) => <SharedImage shareToken={shareToken} path={path} />}
        />
      ))}
    </div>
  );
}

function SharedImage({ shareToken, path }: { shareToken: string; path: string }) {
  const [failed, setFailed] = useState(false);
  const name = path.slice(path.lastIndexOf("/") + 1) || path;
  if (failed) {
    return (
      <p data-testid="shared-image-missing" className="rounded-md border border-dashed border-border px-3 py-2 text-sm text-ink-muted">
        The agent made an image here (“{name}”); it is no longer in the agent&apos;s files.
      </p>
    );
  }
  return (
    // eslint-disable-next-line @next/next/no-img-element -- a file of the shared agent's, served by the platform
    <img
      data-testid="shared-image"
      src={sharedFileContentUrl(shareToken, path)}
      alt={`Image made by the agent: ${name}`}
      loading="lazy"
      onError={() => setFailed(true)}
      className="max-h-96 max-w-full rounded-md border border-border bg-surface object-contain"
    />
  );
}

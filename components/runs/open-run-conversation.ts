import { apiFetch } from "@/lib/api-client";
import type { Conversation } from "@/lib/records";
import { useChatStore } from "@/stores/chat-store";

/**
 * Opens a run's conversation in the chat. A run started after the page loaded ("Run now", or a
 * schedule that fired meanwhile) has a conversation the list does not hold yet: add it as it opens.
 */
export function openRunConversation(conversationId: string, openConversation: (conversationId: string) => void): void {
  if (!useChatStore.getState().conversations.some((conversation) => conversation.id === conversationId)) {
    void apiFetch<{ conversation: Conversation }>(`/api/conversations/${encodeURIComponent(conversationId)}`)
      .then(({ conversation }) => useChatStore.getState().upsertConversation(conversation))
      .catch(() => undefined);
  }
  openConversation(conversationId);
}

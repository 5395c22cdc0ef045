import { apiFetch } from "@/lib/api-client";
import { conversationMarkdown, markdownFileName } from "@/lib/conversation-markdown";
import { fileContentUrl } from "@/lib/file-urls";
import type { Conversation, Message } from "@/lib/records";

function asDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error ?? new Error("The image could not be read."));
    reader.readAsDataURL(blob);
  });
}

/** Downloads the conversation as Markdown with its images inside (an image since deleted keeps its path). */
export async function downloadConversationMarkdown(conversationId: string): Promise<void> {
  const [{ conversation }, { messages }] = await Promise.all([
    apiFetch<{ conversation: Conversation }>(`/api/conversations/${conversationId}`),
    apiFetch<{ messages: Message[] }>(`/api/conversations/${conversationId}/messages?limit=500`),
  ]);
  const images = new Map<string, string>();
  const paths = new Set(messages.flatMap((message) => message.content.flatMap((block) => (block.type === "image" ? [block.path] : []))));
  await Promise.all(
    [...paths].map(async (path) => {
      const response = await fetch(fileContentUrl(conversation.agentId, path), { credentials: "same-origin" });
      if (response.ok) images.set(path, await asDataUrl(await response.blob()));
    }),
  );
  const file = new Blob([conversationMarkdown(conversation, messages, images)], { type: "text/markdown" });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(file);
  link.download = markdownFileName(conversation.title);
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

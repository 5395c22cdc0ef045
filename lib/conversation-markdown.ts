import type { Conversation, Message } from "./records";

/**
 * A conversation as one Markdown document: each question and reply in order, the reply's steps
 * left out (they are the agent's working, not its answer), its images embedded as data: URLs so
 * the file still shows them once it leaves the platform, and the files it made named.
 */
export function conversationMarkdown(conversation: Pick<Conversation, "title" | "createdAt">, messages: Message[], imageData: ReadonlyMap<string, string>): string {
  const parts = [`# ${conversation.title || "Conversation"}`, `_Started ${conversation.createdAt}_`];
  for (const message of messages) {
    const body: string[] = [];
    for (const block of message.content) {
      if (block.type === "text" && block.text.trim()) body.push(block.text.trim());
      else if (block.type === "image") body.push(`![${block.path}](${imageData.get(block.path) ?? block.path})`);
      else if (block.type === "file") body.push(`📄 ${block.name ?? block.path}`);
    }
    if (body.length === 0) continue;
    parts.push(`## ${message.role === "user" ? "You" : "Agent"}`, ...body);
  }
  return `${parts.join("\n\n")}\n`;
}

export function markdownFileName(title: string): string {
  const base = title.replace(/[^\p{L}\p{N} _-]+/gu, " ").trim().replace(/\s+/g, "-").slice(0, 80);
  return `${base || "conversation"}.md`;
}

import type { Message } from "./records";

/** What a message says in words, without its steps, images or files: what Copy and Regenerate use. */
export function messageText(message: Pick<Message, "content">): string {
  return message.content
    .flatMap((block) => (block.type === "text" ? [block.text.trim()] : []))
    .filter(Boolean)
    .join("\n\n");
}

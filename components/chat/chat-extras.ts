// What the chat shows only after its first paint (copying, regenerating, attaching, shortcuts, the
// conversation menu and search, grouped scheduled runs, the missing-agent page), as one module: one chunk
// for all of them, outside the page's first load (budget in bench/README.md).
export { AgentMissing } from "./agent-missing";
export { ChatShortcuts } from "./chat-shortcuts";
export { ComposerAttachments } from "./composer-attachments";
export { ConversationMenu } from "./conversation-menu";
export { ConversationSearch } from "./conversation-search";
export { MessageActions } from "./message-actions";
export { ScheduleGroup } from "./schedule-group";

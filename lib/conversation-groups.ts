import type { Conversation } from "./records";

/** One entry of the conversation list: a chat, or every run of one schedule under one heading. */
export type ConversationListEntry =
  | { kind: "conversation"; conversation: Conversation }
  | { kind: "schedule"; scheduleId: string; label: string; runs: Conversation[] };

// Scheduled runs are titled "<prompt> · <slot>" (server/schedules/scheduled-run-title.ts): the
// prompt part names the group, the slot part tells its runs apart.
const slotSeparator = " · ";

export function scheduledRunLabel(title: string): { prompt: string; slot: string } {
  const at = title.lastIndexOf(slotSeparator);
  return at < 0 ? { prompt: title, slot: "" } : { prompt: title.slice(0, at), slot: title.slice(at + slotSeparator.length) };
}

/**
 * Groups the runs of each schedule into one entry placed where its newest run would be, so an
 * every-minute schedule takes one line of the list, not hundreds. `conversations` is newest first.
 */
export function groupConversations(conversations: Conversation[]): ConversationListEntry[] {
  const entries: ConversationListEntry[] = [];
  const groups = new Map<string, Extract<ConversationListEntry, { kind: "schedule" }>>();
  for (const conversation of conversations) {
    if (!conversation.scheduleId) {
      entries.push({ kind: "conversation", conversation });
      continue;
    }
    const group = groups.get(conversation.scheduleId);
    if (group) {
      group.runs.push(conversation);
      continue;
    }
    const created = { kind: "schedule" as const, scheduleId: conversation.scheduleId, label: scheduledRunLabel(conversation.title).prompt, runs: [conversation] };
    groups.set(conversation.scheduleId, created);
    entries.push(created);
  }
  return entries;
}

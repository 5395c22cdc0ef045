import { create } from "zustand";
import { applyAgentEvent, emptyReply, type AssistantReplyState } from "@/lib/assistant-reply";
import type { ErrorPayload } from "@/lib/errors";
import type { ContentBlock, Conversation, Message } from "@/lib/records";
import type { RunEventEnvelope } from "@/lib/socket-events";

export interface LiveRun {
  runId: string;
  assistantMessageId: string;
  startedAt: number;
  reply: AssistantReplyState;
  stopping: boolean;
  /** Why the run has not begun yet: waiting for a free slot, or for the workspace to wake up. */
  waiting: RunWaiting | null;
}

export type RunWaiting = { kind: "queued"; position: number; message: string } | { kind: "waking"; message: string };

interface ChatState {
  agentId: string | null;
  conversations: Conversation[];
  conversationId: string | null;
  messages: Message[];
  /** The run being streamed into the conversation, if any. */
  live: LiveRun | null;
  /** Highest event sequence number applied: later duplicates (replays, recovery) are ignored. */
  lastSeq: number;
  loading: boolean;
  error: ErrorPayload | null;
}

interface ChatActions {
  setAgent(agentId: string): void;
  setConversations(conversations: Conversation[]): void;
  upsertConversation(conversation: Conversation): void;
  removeConversation(conversationId: string): void;
  openConversation(conversationId: string | null): void;
  loadMessages(conversationId: string, messages: Message[], resumeAfterSeq: number): void;
  addPendingUserMessage(conversationId: string, clientMessageId: string, text: string): void;
  applyEnvelope(envelope: RunEventEnvelope): void;
  markStopping(): void;
  setLoading(loading: boolean): void;
  setError(error: ErrorPayload | null): void;
  reset(): void;
}

const initialState: ChatState = {
  agentId: null,
  conversations: [],
  conversationId: null,
  messages: [],
  live: null,
  lastSeq: -1,
  loading: false,
  error: null,
};

function now(): string {
  return new Date().toISOString();
}

function placeholderMessage(conversationId: string, id: string, role: Message["role"], content: ContentBlock[], status: Message["status"], clientMessageId?: string): Message {
  const at = now();
  return { id, conversationId, seq: Number.MAX_SAFE_INTEGER, role, content, status, createdAt: at, updatedAt: at, ...(clientMessageId ? { clientMessageId } : {}) };
}

/** Replaces the message with this id, or appends it. */
function upsertMessage(messages: Message[], message: Message): Message[] {
  const index = messages.findIndex((existing) => existing.id === message.id);
  if (index === -1) return [...messages, message];
  return messages.map((existing, i) => (i === index ? message : existing));
}

export const useChatStore = create<ChatState & ChatActions>()((set) => ({
  ...initialState,
  setAgent: (agentId) => set((state) => (state.agentId === agentId ? state : { ...initialState, agentId })),
  setConversations: (conversations) => set({ conversations }),
  upsertConversation: (conversation) =>
    set((state) => {
      const others = state.conversations.filter((existing) => existing.id !== conversation.id);
      return { conversations: [conversation, ...others].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)) };
    }),
  removeConversation: (conversationId) =>
    set((state) => ({
      conversations: state.conversations.filter((conversation) => conversation.id !== conversationId),
      ...(state.conversationId === conversationId ? { conversationId: null, messages: [], live: null, lastSeq: -1 } : {}),
    })),
  openConversation: (conversationId) => set({ conversationId, messages: [], live: null, lastSeq: -1, error: null }),
  loadMessages: (conversationId, messages, resumeAfterSeq) =>
    set((state) => (state.conversationId === conversationId ? { messages, lastSeq: resumeAfterSeq, live: null, loading: false } : state)),
  addPendingUserMessage: (conversationId, clientMessageId, text) =>
    set((state) => ({
      messages: [...state.messages, placeholderMessage(conversationId, `pending-${clientMessageId}`, "user", [{ type: "text", text }], "complete", clientMessageId)],
      error: null,
    })),
  applyEnvelope: (envelope) =>
    set((state) => {
      if (envelope.conversationId !== state.conversationId || envelope.seq <= state.lastSeq) return state;
      const event = envelope.event;
      const base = { lastSeq: envelope.seq };

      if (event.type === "run_started") {
        const withoutPending = state.messages.filter(
          (message) => message.clientMessageId !== event.clientMessageId && message.id !== event.userMessageId && message.id !== event.assistantMessageId,
        );
        const userMessage = placeholderMessage(envelope.conversationId, event.userMessageId, "user", [{ type: "text", text: event.prompt }], "complete", event.clientMessageId);
        const assistant = placeholderMessage(envelope.conversationId, event.assistantMessageId, "assistant", [], "streaming");
        return {
          ...base,
          messages: [...withoutPending, userMessage, assistant],
          live: { runId: envelope.runId, assistantMessageId: event.assistantMessageId, startedAt: Date.parse(envelope.at), reply: emptyReply(), stopping: false, waiting: null },
        };
      }

      const live = state.live;
      if (!live || live.runId !== envelope.runId) return base;

      if (event.type === "run_finished") {
        const current = state.messages.find((message) => message.id === live.assistantMessageId);
        const finished: Message | undefined = current && {
          ...current,
          content: [...live.reply.blocks, ...(event.images ?? []).map((image) => ({ type: "image" as const, ...image }))],
          status: event.status,
          ...(live.reply.usage ? { usage: live.reply.usage } : {}),
          ...(live.reply.costUsd !== undefined ? { costUsd: live.reply.costUsd } : {}),
          ...(event.error ? { error: event.error } : {}),
        };
        return { ...base, live: null, messages: finished ? upsertMessage(state.messages, finished) : state.messages };
      }

      if (event.type === "run_queued") {
        return { ...base, live: { ...live, waiting: { kind: "queued", position: event.position, message: event.message } } };
      }
      if (event.type === "workspace_starting") return { ...base, live: { ...live, waiting: { kind: "waking", message: event.message } } };

      // The agent's first event means the wait is over.
      const reply = applyAgentEvent(live.reply, event);
      const current = state.messages.find((message) => message.id === live.assistantMessageId);
      const messages = current ? upsertMessage(state.messages, { ...current, content: reply.blocks }) : state.messages;
      return { ...base, live: { ...live, reply, waiting: null }, messages };
    }),
  markStopping: () => set((state) => (state.live ? { live: { ...state.live, stopping: true } } : state)),
  setLoading: (loading) => set({ loading }),
  setError: (error) => set({ error }),
  reset: () => set(initialState),
}));

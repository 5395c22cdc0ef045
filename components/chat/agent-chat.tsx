"use client";

import { Fragment, lazy, Suspense, useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { apiFetch, asErrorPayload } from "@/lib/api-client";
import { errorMessageFor } from "@/lib/error-messages";
import { messageText } from "@/lib/message-text";
import type { Agent, Conversation, Message } from "@/lib/records";
import type { RunEventEnvelope } from "@/lib/socket-events";
import { useChatStore } from "@/stores/chat-store";
import { useConnectionStore } from "@/stores/connection-store";
import { loadPlatformSocket } from "@/stores/platform-socket";
import { AgentMissing, ChatShortcuts, ComposerAttachments, MessageActions } from "./chat-extras-loader";
import { ChatComposer } from "./chat-composer";
import { ChatMessage } from "./chat-message";
import { ConversationList } from "./conversation-list";
import { RunIndicator } from "./run-indicator";
import { useStickToBottom } from "./use-stick-to-bottom";

// Sharing is used now and then: its dialog loads when first opened, not with the chat.
// Shown only in an empty chat of an agent made from a template, so it loads then.
const SuggestedPrompts = lazy(() => import("./suggested-prompts").then((module) => ({ default: module.SuggestedPrompts })));
const ShareAgentDialog = lazy(() => import("@/components/share/share-agent-dialog").then((module) => ({ default: module.ShareAgentDialog })));

function newClientMessageId(): string {
  return crypto.randomUUID().replace(/-/g, "");
}

async function loadConversation(conversationId: string) {
  const { conversation, resumeAfterSeq } = await apiFetch<{ conversation: Conversation; resumeAfterSeq: number }>(`/api/conversations/${conversationId}`);
  const { messages } = await apiFetch<{ messages: Message[] }>(`/api/conversations/${conversationId}/messages?limit=500`);
  return { conversation, messages, resumeAfterSeq };
}

/** A panel beside the chat (files, schedules, runs, versions), opened from a button in the header. */
export interface AgentSidePanel {
  id: string;
  label: string;
  render(chat: { openConversation(conversationId: string): void }): ReactNode;
}

export function AgentChat({ agentId, panels = [], renderImage }: { agentId: string; panels?: AgentSidePanel[]; renderImage?: (path: string) => ReactNode }) {
  const store = useChatStore();
  const connected = useConnectionStore((state) => state.status === "connected");
  const [agent, setAgent] = useState<Agent | null>(null);
  // An address that names no agent of this person's: a page that says so, not a working-looking chat.
  const [agentMissing, setAgentMissing] = useState(false);
  const [openPanelId, setOpenPanelId] = useState<string | null>(null);
  const openPanel = panels.find((panel) => panel.id === openPanelId) ?? null;
  const [showConversations, setShowConversations] = useState(false);
  const [showShare, setShowShare] = useState(false);
  const { listRef, contentRef, atBottom, scrollToBottom } = useStickToBottom<HTMLDivElement, HTMLDivElement>();
  // The conversation "+ New conversation" is creating: a message typed meanwhile waits for it.
  const creating = useRef<Promise<string | null> | null>(null);
  const chatSection = useRef<HTMLElement>(null);
  const [prefill, setPrefill] = useState<{ text: string } | null>(null);
  // Files already in the agent's folder that the next message names; a send starts a fresh set.
  const attached = useRef<string[]>([]);
  const [attachmentsKey, setAttachmentsKey] = useState(0);
  const { conversationId, messages, live, error, conversations } = store;

  const follow = useCallback((id: string, afterSeq: number) => {
    void loadPlatformSocket().then((socket) =>
      socket.emit("conversation:follow", { conversationId: id, afterSeq }, (response) => {
        if (!response.ok) useChatStore.getState().setError(response.error);
      }),
    );
  }, []);

  const open = useCallback(
    async (id: string) => {
      const chat = useChatStore.getState();
      if (chat.conversationId && chat.conversationId !== id) {
        const previous = chat.conversationId;
        void loadPlatformSocket().then((socket) => socket.emit("conversation:unfollow", { conversationId: previous }, () => undefined));
      }
      chat.openConversation(id);
      chat.setLoading(true);
      window.history.replaceState(null, "", `/agents/${agentId}?c=${id}`);
      try {
        const loaded = await loadConversation(id);
        useChatStore.getState().loadMessages(id, loaded.messages, loaded.resumeAfterSeq);
        follow(id, loaded.resumeAfterSeq);
      } catch (loadError) {
        useChatStore.getState().setError(asErrorPayload(loadError));
        useChatStore.getState().setLoading(false);
      }
    },
    [agentId, follow],
  );

  // Load the agent and its conversations; open the one in the URL, else the most recent.
  useEffect(() => {
    useChatStore.getState().setAgent(agentId);
    let cancelled = false;
    void (async () => {
      try {
        const [{ agent: loadedAgent }, { conversations: list }] = await Promise.all([
          apiFetch<{ agent: Agent }>(`/api/agents/${agentId}`),
          apiFetch<{ conversations: Conversation[] }>(`/api/agents/${agentId}/conversations`),
        ]);
        if (cancelled) return;
        setAgent(loadedAgent);
        useChatStore.getState().setConversations(list);
        const wanted = new URLSearchParams(window.location.search).get("c");
        const first = list.find((conversation) => conversation.id === wanted) ?? list[0];
        if (first) await open(first.id);
      } catch (loadError) {
        if (cancelled) return;
        const payload = asErrorPayload(loadError);
        if (payload.code === "not_found" || payload.code === "forbidden") setAgentMissing(true);
        else useChatStore.getState().setError(payload);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [agentId, open]);

  // Live events, and catching up after a reconnect from the last event this tab applied.
  useEffect(() => {
    const onEvent = (envelope: RunEventEnvelope) => {
      useChatStore.getState().applyEnvelope(envelope);
      if (envelope.event.type === "run_finished" || envelope.event.type === "run_started") {
        void apiFetch<{ conversation: Conversation }>(`/api/conversations/${envelope.conversationId}`)
          .then(({ conversation }) => useChatStore.getState().upsertConversation(conversation))
          .catch(() => undefined);
      }
    };
    const onReconnect = () => {
      const { conversationId: current, lastSeq } = useChatStore.getState();
      if (current) follow(current, lastSeq);
    };
    let cancelled = false;
    const socket = loadPlatformSocket();
    void socket.then((ready) => {
      if (cancelled) return;
      ready.on("conversation:event", onEvent);
      ready.on("connect", onReconnect);
    });
    return () => {
      cancelled = true;
      void socket.then((ready) => {
        ready.off("conversation:event", onEvent);
        ready.off("connect", onReconnect);
      });
    };
  }, [follow]);

  // Opening a conversation shows its end, wherever the previous one was scrolled to.
  useEffect(() => {
    scrollToBottom();
  }, [conversationId, scrollToBottom]);

  const createConversation = (): Promise<string | null> => {
    if (creating.current) return creating.current;
    // The previous conversation leaves the screen at once, so nothing typed now can land in it.
    const previous = useChatStore.getState().conversationId;
    if (previous) void loadPlatformSocket().then((socket) => socket.emit("conversation:unfollow", { conversationId: previous }, () => undefined));
    useChatStore.getState().openConversation(null);
    const created = (async () => {
      try {
        const { conversation } = await apiFetch<{ conversation: Conversation }>(`/api/agents/${agentId}/conversations`, { method: "POST", json: {} });
        useChatStore.getState().upsertConversation(conversation);
        await open(conversation.id);
        return conversation.id;
      } catch (createError) {
        useChatStore.getState().setError(asErrorPayload(createError));
        return null;
      } finally {
        creating.current = null;
      }
    })();
    creating.current = created;
    return created;
  };

  const send = async (typed: string) => {
    const id = (await creating.current) ?? useChatStore.getState().conversationId ?? (await createConversation());
    if (!id) return;
    const text = attached.current.length > 0 ? `${typed}\n\nAttached files (in your folder): ${attached.current.join(", ")}` : typed;
    if (attached.current.length > 0) {
      attached.current = [];
      setAttachmentsKey((key) => key + 1);
    }
    const clientMessageId = newClientMessageId();
    useChatStore.getState().addPendingUserMessage(id, clientMessageId, text);
    const socket = await loadPlatformSocket();
    socket.emit("conversation:send", { agentId, conversationId: id, text, clientMessageId }, (response) => {
      if (!response.ok) useChatStore.getState().setError(response.error);
    });
  };

  const stop = () => {
    if (!conversationId) return;
    useChatStore.getState().markStopping();
    void loadPlatformSocket().then((socket) =>
      socket.emit("conversation:stop", { conversationId }, (response) => {
        if (!response.ok) useChatStore.getState().setError(response.error);
      }),
    );
  };

  const rename = async (id: string, title: string) => {
    try {
      const { conversation } = await apiFetch<{ conversation: Conversation }>(`/api/conversations/${id}`, { method: "PATCH", json: { title } });
      useChatStore.getState().upsertConversation(conversation);
    } catch (renameError) {
      useChatStore.getState().setError(asErrorPayload(renameError));
    }
  };

  const remove = async (id: string) => {
    try {
      await apiFetch(`/api/conversations/${id}`, { method: "DELETE" });
      useChatStore.getState().removeConversation(id);
    } catch (deleteError) {
      useChatStore.getState().setError(asErrorPayload(deleteError));
    }
  };

  const conversationList = (
    <ConversationList
      agentId={agentId}
      conversations={conversations}
      activeId={conversationId}
      onOpen={(id) => {
        setShowConversations(false);
        void open(id);
      }}
      onNew={() => {
        setShowConversations(false);
        void createConversation();
      }}
      onRename={(id, title) => void rename(id, title)}
      onDelete={(id) => void remove(id)}
      onExport={(id) =>
        void import("./conversation-export")
          .then((module) => module.downloadConversationMarkdown(id))
          .catch((exportError: unknown) => useChatStore.getState().setError(asErrorPayload(exportError)))
      }
    />
  );

  if (agentMissing) {
    return (
      <Suspense fallback={null}>
        <AgentMissing />
      </Suspense>
    );
  }

  return (
    // Fills what the app shell leaves under its banner and header (data-fills-window), so the
    // composer is always on screen.
    <div data-fills-window className="-mx-4 -my-8 flex min-h-[480px] flex-1">
      <aside className="hidden w-64 shrink-0 border-r border-border bg-surface md:block">{conversationList}</aside>
      {showConversations ? (
        <div className="fixed inset-0 z-30 bg-ink/30 md:hidden" onClick={() => setShowConversations(false)}>
          <aside className="h-full w-72 bg-surface" onClick={(event) => event.stopPropagation()}>
            {conversationList}
          </aside>
        </div>
      ) : null}

      <section ref={chatSection} className="flex min-w-0 flex-1 flex-col" aria-label="Chat">
        <Suspense fallback={null}>
          <ChatShortcuts running={Boolean(live)} onStop={stop} onNewChat={() => void createConversation()} />
        </Suspense>
        <header className="flex flex-wrap items-center gap-3 border-b border-border bg-surface px-4 py-2 sm:flex-nowrap">
          <button type="button" className="rounded border border-border px-2 py-1 text-sm md:hidden" onClick={() => setShowConversations(true)}>
            Chats
          </button>
          <div className="min-w-[8rem] flex-1">
            <h1 className="truncate text-base font-semibold" data-testid="agent-name" aria-busy={!agent}>
              {agent ? agent.name : <span aria-hidden className="inline-block h-4 w-32 animate-pulse rounded bg-surface-muted align-middle" />}
            </h1>
            {agent?.description ? <p className="truncate text-xs text-ink-muted">{agent.description}</p> : null}
          </div>
          {live ? <RunIndicator startedAt={live.startedAt} stopping={live.stopping} waiting={live.waiting} /> : null}
          <button type="button" onClick={() => setShowShare(true)} className="rounded-md border border-border px-3 py-1.5 text-sm">
            Share
          </button>
          {showShare ? (
            <Suspense fallback={null}>
              <ShareAgentDialog agentId={agentId} open={showShare} onClose={() => setShowShare(false)} />
            </Suspense>
          ) : null}
          {panels.length > 0 ? (
            // On a phone the panel buttons take a row of their own under the agent's name.
            <nav aria-label="Agent panels" className="order-last flex w-full gap-2 overflow-x-auto sm:order-none sm:w-auto">
              {panels.map((panel) => (
                <button
                  key={panel.id}
                  type="button"
                  aria-pressed={openPanelId === panel.id}
                  onClick={() => setOpenPanelId((current) => (current === panel.id ? null : panel.id))}
                  className={`shrink-0 rounded-md border px-3 py-1.5 text-sm ${openPanelId === panel.id ? "border-accent text-accent" : "border-border"}`}
                >
                  {panel.label}
                </button>
              ))}
            </nav>
          ) : null}
        </header>

        <div className="flex min-h-0 flex-1">
          <div className="flex min-w-0 flex-1 flex-col">
            <div ref={listRef} className="min-h-0 flex-1 overflow-y-auto px-4 py-6" data-testid="message-list">
              <div ref={contentRef} className="mx-auto max-w-3xl space-y-6">
                {messages.length === 0 && !store.loading ? (
                  <div className="rounded-card border border-dashed border-border bg-surface p-8 text-center text-sm text-ink-muted">
                    Ask this agent something to get started. It can run Python, read and write files, and make charts in its own workspace.
                    {agent?.templateId ? (
                      <Suspense fallback={null}>
                        <SuggestedPrompts templateId={agent.templateId} onPick={(prompt) => connected && !live && void send(prompt)} />
                      </Suspense>
                    ) : null}
                  </div>
                ) : null}
                {messages.map((message, index) => (
                  <Fragment key={message.id}>
                    <ChatMessage message={message} agentId={agentId} renderImage={renderImage} />
                    {message.status === "streaming" ? null : (
                      <Suspense fallback={null}>
                        <MessageActions
                          message={message}
                          last={messages.findLastIndex((other) => other.role === message.role) === index}
                          busy={Boolean(live) || !connected}
                          onRegenerate={() => {
                            const question = messages.findLast((other) => other.role === "user");
                            if (question) void send(messageText(question));
                          }}
                          onEdit={(text) => setPrefill({ text })}
                        />
                      </Suspense>
                    )}
                  </Fragment>
                ))}
              </div>
            </div>
            {atBottom ? null : (
              <div className="relative">
                <button
                  type="button"
                  onClick={scrollToBottom}
                  className="absolute -top-12 left-1/2 -translate-x-1/2 rounded-full border border-border bg-surface px-3 py-1.5 text-sm text-ink shadow-card hover:border-accent"
                >
                  ↓ Latest
                </button>
              </div>
            )}
            {error ? (
              <div role="alert" className="mx-4 mb-2 flex items-start justify-between gap-3 rounded-md border border-danger/40 bg-danger/10 px-3 py-2 text-sm text-danger">
                <span>{errorMessageFor(error)}</span>
                <button type="button" className="text-xs underline" onClick={() => useChatStore.getState().setError(null)}>
                  Dismiss
                </button>
              </div>
            ) : null}
            <ChatComposer
              disabled={!connected}
              running={Boolean(live)}
              stopping={live?.stopping ?? false}
              onSend={(text) => void send(text)}
              onStop={stop}
              prefill={prefill}
              accessory={
                <Suspense fallback={null}>
                  <ComposerAttachments key={attachmentsKey} agentId={agentId} dropTarget={chatSection} onChange={(paths) => (attached.current = paths)} />
                </Suspense>
              }
            />
          </div>
          {openPanel ? (
            <aside
              aria-label={openPanel.label}
              className="fixed inset-y-0 right-0 z-30 w-full max-w-md overflow-y-auto border-l border-border bg-surface shadow-card lg:static lg:z-auto lg:w-96 lg:max-w-none lg:shrink-0 lg:shadow-none"
            >
              <div className="flex justify-end p-2 lg:hidden">
                <button type="button" className="rounded border border-border px-2 py-1 text-sm" onClick={() => setOpenPanelId(null)}>
                  Close
                </button>
              </div>
              {openPanel.render({
                openConversation: (id) => {
                  void open(id);
                  // On a phone the panel covers the chat: step aside so the conversation shows.
                  if (!window.matchMedia("(min-width: 1024px)").matches) setOpenPanelId(null);
                },
              })}
            </aside>
          ) : null}
        </div>
      </section>
    </div>
  );
}

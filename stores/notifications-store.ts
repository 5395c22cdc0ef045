import { create } from "zustand";
import { apiFetch, asErrorPayload } from "../lib/api-client";
import { errorMessageFor } from "../lib/error-messages";
import { fetchNotifications, markNotificationsRead } from "../lib/notification-api";
import type { Conversation, Notification } from "../lib/records";
import { useChatStore } from "./chat-store";
import { loadPlatformSocket } from "./platform-socket";

/** How many notifications the bell keeps in its list; older ones stay on the server. */
const keptNotifications = 50;
/** How many toasts show at once; a burst of finished runs should not cover the page. */
const maxToasts = 3;

export interface NotificationsState {
  /** Newest first. */
  notifications: Notification[];
  unreadCount: number;
  status: "idle" | "loading" | "ready" | "error";
  problem: string | null;
  /** Notifications that arrived while the page was open, shown briefly as toasts. */
  toasts: Notification[];
  listening: boolean;
}

export interface NotificationsActions {
  load(): Promise<void>;
  /** Starts listening for `notification:new` on the tab's socket (once per tab). */
  listen(): void;
  receive(notification: Notification): void;
  markAllRead(): Promise<void>;
  markRead(id: string): Promise<void>;
  dismissToast(id: string): void;
  reset(): void;
}

export type NotificationsStore = NotificationsState & NotificationsActions;

export const initialState: NotificationsState = {
  notifications: [],
  unreadCount: 0,
  status: "idle",
  problem: null,
  toasts: [],
  listening: false,
};

function newestFirst(notifications: Notification[]): Notification[] {
  return [...notifications].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}

/** A scheduled run's conversation is new: list it in the chat when its agent's page is open. */
function showConversationInOpenChat({ agentId, conversationId }: Notification): void {
  if (!agentId || !conversationId || useChatStore.getState().agentId !== agentId) return;
  void apiFetch<{ conversation: Conversation }>(`/api/conversations/${encodeURIComponent(conversationId)}`)
    .then(({ conversation }) => {
      if (useChatStore.getState().agentId === agentId) useChatStore.getState().upsertConversation(conversation);
    })
    .catch(() => undefined);
}

export const useNotificationsStore = create<NotificationsStore>()((set, get) => ({
  ...initialState,

  async load() {
    if (get().status !== "ready") set({ status: "loading", problem: null });
    try {
      const { notifications, unreadCount } = await fetchNotifications();
      set({ notifications: newestFirst(notifications).slice(0, keptNotifications), unreadCount, status: "ready", problem: null });
    } catch (error) {
      // A failed refresh keeps the list on screen; the bell still works with what it has.
      if (get().status === "ready") return;
      set({ status: "error", problem: errorMessageFor(asErrorPayload(error)) });
    }
  },

  listen() {
    if (get().listening) return;
    set({ listening: true });
    void loadPlatformSocket().then((socket) => {
      socket.on("notification:new", (notification) => get().receive(notification));
      // Anything that arrived while disconnected is on the server: fetch it after a reconnect.
      socket.io.on("reconnect", () => void get().load());
    });
  },

  receive(notification) {
    if (get().notifications.some((known) => known.id === notification.id)) return;
    set((state) => ({
      notifications: newestFirst([notification, ...state.notifications]).slice(0, keptNotifications),
      unreadCount: state.unreadCount + (notification.readAt ? 0 : 1),
      toasts: [notification, ...state.toasts].slice(0, maxToasts),
    }));
    showConversationInOpenChat(notification);
  },

  async markAllRead() {
    const before = get();
    const readAt = new Date().toISOString();
    set({ unreadCount: 0, notifications: before.notifications.map((item) => (item.readAt ? item : { ...item, readAt })) });
    try {
      await markNotificationsRead();
    } catch (error) {
      set({ unreadCount: before.unreadCount, notifications: before.notifications, problem: errorMessageFor(asErrorPayload(error)) });
    }
  },

  async markRead(id) {
    const target = get().notifications.find((item) => item.id === id);
    if (!target || target.readAt) return;
    const readAt = new Date().toISOString();
    set((state) => ({
      unreadCount: Math.max(0, state.unreadCount - 1),
      notifications: state.notifications.map((item) => (item.id === id ? { ...item, readAt } : item)),
    }));
    await markNotificationsRead([id]).catch(() => undefined);
  },

  dismissToast(id) {
    set((state) => ({ toasts: state.toasts.filter((toast) => toast.id !== id) }));
  },

  reset() {
    set({ ...initialState, listening: get().listening });
  },
}));

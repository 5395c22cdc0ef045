import { apiFetch } from "./api-client";
import type { Notification } from "./records";

/** The browser's client for /api/notifications: a person's in-app notices about finished runs. */

export interface NotificationListResponse {
  /** Newest first. */
  notifications: Notification[];
  unreadCount: number;
}

export function fetchNotifications(options: { unreadOnly?: boolean } = {}): Promise<NotificationListResponse> {
  return apiFetch<NotificationListResponse>(options.unreadOnly ? "/api/notifications?unread=1" : "/api/notifications");
}

/** All unread when `ids` is absent. */
export function markNotificationsRead(ids?: string[]): Promise<{ updated: number }> {
  return apiFetch<{ updated: number }>("/api/notifications/read", { method: "POST", json: ids ? { ids } : {} });
}

/** Where a notification leads: the run's conversation on its agent's page. */
export function notificationHref(notification: Pick<Notification, "agentId" | "conversationId">): string | null {
  if (!notification.agentId) return null;
  const agentPath = `/agents/${encodeURIComponent(notification.agentId)}`;
  return notification.conversationId ? `${agentPath}?c=${encodeURIComponent(notification.conversationId)}` : agentPath;
}

"use client";

import Link from "next/link";
import { useEffect } from "react";
import { notificationHref } from "@/lib/notification-api";
import type { Notification } from "@/lib/records";
import { useNotificationsStore } from "@/stores/notifications-store";
import { KindDot } from "./notification-kind-dot";

/** Long enough to read a title and reach the link; the bell keeps every notification anyway. */
const toastMs = 10_000;

/** Notifications that arrive while the page is open, in the corner for a few seconds. */
export function NotificationToasts() {
  const toasts = useNotificationsStore((state) => state.toasts);
  if (toasts.length === 0) return null;
  return (
    <div className="pointer-events-none fixed inset-x-2 bottom-4 z-50 flex flex-col items-end gap-2 sm:right-4 sm:left-auto sm:w-96" aria-live="polite">
      {toasts.map((toast) => (
        <Toast key={toast.id} notification={toast} />
      ))}
    </div>
  );
}

function Toast({ notification }: { notification: Notification }) {
  const { dismissToast, markRead } = useNotificationsStore.getState();
  const href = notificationHref(notification);

  useEffect(() => {
    const timer = window.setTimeout(() => dismissToast(notification.id), toastMs);
    return () => window.clearTimeout(timer);
  }, [dismissToast, notification.id]);

  return (
    <div
      role="status"
      data-testid="notification-toast"
      className="pointer-events-auto flex w-full gap-3 rounded-card border border-border bg-surface p-3 text-sm text-ink shadow-card"
    >
      <KindDot kind={notification.kind} />
      <div className="min-w-0 flex-1">
        <p className="font-medium">{notification.title}</p>
        {notification.body ? <p className="line-clamp-2 text-xs text-ink-muted">{notification.body}</p> : null}
        {href ? (
          <Link
            href={href}
            onClick={() => {
              void markRead(notification.id);
              dismissToast(notification.id);
            }}
            className="mt-1 inline-block text-xs font-medium text-accent hover:underline"
          >
            Open the conversation
          </Link>
        ) : null}
      </div>
      <button type="button" aria-label="Dismiss" onClick={() => dismissToast(notification.id)} className="h-6 w-6 shrink-0 rounded text-ink-muted hover:bg-surface-muted hover:text-ink">
        <span aria-hidden>×</span>
      </button>
    </div>
  );
}

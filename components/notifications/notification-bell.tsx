"use client";

import Link from "next/link";
import { useEffect, useRef, useState } from "react";
import { formatRelativeTime } from "@/components/dashboard/relative-time";
import { notificationHref } from "@/lib/notification-api";
import type { Notification } from "@/lib/records";
import { useNotificationsStore } from "@/stores/notifications-store";
import { KindDot } from "./notification-kind-dot";
import { NotificationToasts } from "./notification-toasts";

/** The header's bell: unread count, the latest notifications, and toasts as runs finish. */
export function NotificationBell() {
  const unreadCount = useNotificationsStore((state) => state.unreadCount);
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const store = useNotificationsStore.getState();
    store.listen();
    void store.load();
  }, []);

  useEffect(() => {
    if (!open) return;
    const closeOnOutside = (event: MouseEvent) => {
      if (!rootRef.current?.contains(event.target as Node)) setOpen(false);
    };
    const closeOnEscape = (event: KeyboardEvent) => {
      if (event.key === "Escape") setOpen(false);
    };
    document.addEventListener("mousedown", closeOnOutside);
    document.addEventListener("keydown", closeOnEscape);
    return () => {
      document.removeEventListener("mousedown", closeOnOutside);
      document.removeEventListener("keydown", closeOnEscape);
    };
  }, [open]);

  const label = unreadCount > 0 ? `Notifications, ${unreadCount} unread` : "Notifications";
  return (
    <div ref={rootRef} className="relative">
      <button
        type="button"
        aria-label={label}
        aria-expanded={open}
        aria-haspopup="true"
        data-testid="notification-bell"
        onClick={() => {
          setOpen((value) => !value);
          if (!open) void useNotificationsStore.getState().load();
        }}
        className="relative grid h-8 w-8 place-items-center rounded-full border border-border bg-surface text-ink-muted hover:bg-surface-muted hover:text-ink"
      >
        <BellIcon />
        {unreadCount > 0 ? (
          <span
            data-testid="notification-count"
            className="absolute -top-1 -right-1 grid h-4 min-w-4 place-items-center rounded-full bg-accent px-1 text-[10px] leading-none font-semibold text-accent-ink"
          >
            {unreadCount > 99 ? "99+" : unreadCount}
          </span>
        ) : null}
      </button>
      {open ? <NotificationList onNavigate={() => setOpen(false)} /> : null}
      <NotificationToasts />
    </div>
  );
}

function NotificationList({ onNavigate }: { onNavigate: () => void }) {
  const notifications = useNotificationsStore((state) => state.notifications);
  const unreadCount = useNotificationsStore((state) => state.unreadCount);
  const status = useNotificationsStore((state) => state.status);
  const problem = useNotificationsStore((state) => state.problem);
  const { markAllRead, markRead } = useNotificationsStore.getState();

  return (
    <div
      role="region"
      aria-label="Notifications"
      data-testid="notification-list"
      className="fixed inset-x-2 top-14 z-40 rounded-card border border-border bg-surface text-sm shadow-card sm:absolute sm:inset-x-auto sm:top-auto sm:right-0 sm:mt-2 sm:w-96"
    >
      <div className="flex items-center justify-between gap-2 border-b border-border px-4 py-2.5">
        <h2 className="font-semibold text-ink">Notifications</h2>
        <button
          type="button"
          onClick={() => void markAllRead()}
          disabled={unreadCount === 0}
          className="rounded-md px-2 py-1 text-xs text-accent hover:bg-surface-muted disabled:text-ink-muted disabled:opacity-60"
        >
          Mark all as read
        </button>
      </div>
      <div className="max-h-[60vh] overflow-y-auto">
        {status === "loading" && notifications.length === 0 ? <p className="px-4 py-6 text-center text-ink-muted">Loading…</p> : null}
        {status === "error" && notifications.length === 0 ? (
          <p role="alert" className="px-4 py-6 text-center text-danger">
            {problem}
          </p>
        ) : null}
        {status === "ready" && notifications.length === 0 ? (
          <p className="px-4 py-6 text-center text-ink-muted">Nothing yet. When a scheduled run finishes or fails, you’ll hear about it here.</p>
        ) : null}
        <ul className="divide-y divide-border">
          {notifications.map((notification) => (
            <li key={notification.id}>
              <NotificationItem
                notification={notification}
                onOpen={() => {
                  void markRead(notification.id);
                  onNavigate();
                }}
              />
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

function NotificationItem({ notification, onOpen }: { notification: Notification; onOpen: () => void }) {
  const href = notificationHref(notification);
  const unread = !notification.readAt;
  const body = (
    <div className="flex gap-3 px-4 py-3">
      <KindDot kind={notification.kind} />
      <div className="min-w-0 flex-1">
        <p className={`truncate ${unread ? "font-semibold text-ink" : "text-ink"}`}>{notification.title}</p>
        {notification.body ? <p className="line-clamp-2 text-xs text-ink-muted">{notification.body}</p> : null}
        <p className="mt-0.5 text-xs text-ink-muted">
          <time dateTime={notification.createdAt}>{formatRelativeTime(notification.createdAt, new Date())}</time>
          {unread ? <span className="sr-only"> · unread</span> : null}
        </p>
      </div>
    </div>
  );
  return href ? (
    <Link href={href} onClick={onOpen} data-testid="notification-item" className={`block hover:bg-surface-muted ${unread ? "bg-accent/5" : ""}`}>
      {body}
    </Link>
  ) : (
    <div data-testid="notification-item" className={unread ? "bg-accent/5" : ""}>
      {body}
    </div>
  );
}

function BellIcon() {
  return (
    <svg aria-hidden viewBox="0 0 24 24" className="h-4 w-4" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
      <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
    </svg>
  );
}

"use client";

import { useEffect } from "react";
import { useConnectionStore, type ConnectionStatus as Status } from "@/stores/connection-store";
import { loadPlatformSocket } from "@/stores/platform-socket";

const labels: Record<Status, string> = {
  connecting: "Connecting",
  connected: "Connected",
  reconnecting: "Reconnecting",
  offline: "Offline",
};

const dotClasses: Record<Status, string> = {
  connecting: "bg-warning animate-pulse",
  connected: "bg-success",
  reconnecting: "bg-warning animate-pulse",
  offline: "bg-danger",
};

export function ConnectionStatus() {
  const status = useConnectionStore((state) => state.status);
  const problem = useConnectionStore((state) => state.problem);

  useEffect(() => {
    void loadPlatformSocket();
  }, []);

  return (
    <div
      role="status"
      aria-live="polite"
      data-testid="connection-status"
      data-status={status}
      title={problem ?? labels[status]}
      // globals.css keeps "Connecting" out of sight for the first second.
      className="connection-status inline-flex items-center gap-2 rounded-full border border-border bg-surface px-3 py-1 text-xs font-medium text-ink-muted"
    >
      <span aria-hidden className={`h-2 w-2 rounded-full ${dotClasses[status]}`} />
      {/* On a phone the dot says it; the word would push the account menu off the screen. */}
      <span className="sr-only sm:not-sr-only">{labels[status]}</span>
    </div>
  );
}

"use client";

import { useEffect, useState } from "react";
import type { RunWaiting } from "@/stores/chat-store";

function elapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s`;
}

/** What the run is doing: working, stopping, or still waiting (for a free slot, for its workspace to wake). */
export function RunIndicator({ startedAt, stopping, waiting = null }: { startedAt: number; stopping: boolean; waiting?: RunWaiting | null }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const label = stopping ? "Stopping…" : waiting ? waiting.message : "Working";
  return (
    <div
      data-testid="run-indicator"
      data-waiting={waiting?.kind ?? undefined}
      role="status"
      title={label}
      className="flex min-w-0 items-center gap-2 text-sm text-ink-muted"
    >
      <span aria-hidden className={`h-2 w-2 shrink-0 animate-pulse rounded-full ${waiting && !stopping ? "bg-warning" : "bg-accent"}`} />
      {/* A long wait message gives way before the agent's name does. */}
      <span className="min-w-0 truncate">{label}</span>
      <span className="shrink-0">· {elapsed(now - startedAt)}</span>
    </div>
  );
}

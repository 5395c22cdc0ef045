"use client";

import { useEffect, useState } from "react";

function elapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s`;
}

export function RunIndicator({ startedAt, stopping }: { startedAt: number; stopping: boolean }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return (
    <div data-testid="run-indicator" role="status" className="flex items-center gap-2 text-sm text-ink-muted">
      <span aria-hidden className="h-2 w-2 animate-pulse rounded-full bg-accent" />
      {stopping ? "Stopping…" : "Working"} · {elapsed(now - startedAt)}
    </div>
  );
}

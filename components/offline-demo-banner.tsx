"use client";

import { useConnectionStore } from "@/stores/connection-store";

/** Said plainly, so nobody mistakes scripted demo replies for Claude's. */
export function OfflineDemoBanner({ initiallyOffline }: { initiallyOffline: boolean }) {
  const fromServer = useConnectionStore((state) => state.offlineDemoModel);
  const offline = fromServer ?? initiallyOffline;
  if (!offline) return null;
  return (
    <div role="note" data-testid="offline-demo-banner" className="border-b border-warning/30 bg-warning/10 px-4 py-2 text-center text-sm text-ink">
      <strong className="font-semibold">Offline demo mode.</strong> Replies come from a scripted demo model, not from Claude, and
      cost nothing. Whoever runs this site can connect Claude.
    </div>
  );
}

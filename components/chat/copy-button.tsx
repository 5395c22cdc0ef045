"use client";

import { useEffect, useState } from "react";

/** Copies text to the clipboard and says so for a moment, in place of its label. */
export function CopyButton({ text, label, className }: { text: string; label: string; className?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 2_000);
    return () => clearTimeout(timer);
  }, [state]);
  return (
    <button
      type="button"
      aria-label={label}
      onClick={() =>
        void navigator.clipboard.writeText(text).then(
          () => setState("copied"),
          () => setState("failed"),
        )
      }
      className={className ?? "rounded border border-border bg-surface px-2 py-0.5 text-xs text-ink-muted hover:border-accent hover:text-accent"}
    >
      <span aria-live="polite">{state === "copied" ? "Copied" : state === "failed" ? "Could not copy" : "Copy"}</span>
    </button>
  );
}

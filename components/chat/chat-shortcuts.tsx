"use client";

import { useEffect, useRef } from "react";

/**
 * Esc stops the reply being written; Ctrl+Shift+O (⌘⇧O on a Mac, as in ChatGPT) starts a new chat.
 * Esc is left alone when something else already used it (a menu or a dialog closing).
 */
export function ChatShortcuts({ running, onStop, onNewChat }: { running: boolean; onStop(): void; onNewChat(): void }) {
  const latest = useRef({ running, onStop, onNewChat });
  useEffect(() => {
    latest.current = { running, onStop, onNewChat };
  });
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.isComposing) return;
      if (event.key === "Escape" && latest.current.running && !document.querySelector("[role=dialog]")) {
        event.preventDefault();
        latest.current.onStop();
      } else if ((event.ctrlKey || event.metaKey) && event.shiftKey && event.key.toLowerCase() === "o") {
        event.preventDefault();
        latest.current.onNewChat();
      }
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, []);
  return null;
}

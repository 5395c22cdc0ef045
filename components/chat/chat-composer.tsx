"use client";

import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";

export function ChatComposer({
  disabled,
  running,
  stopping,
  onSend,
  onStop,
  prefill,
  accessory,
}: {
  disabled: boolean;
  running: boolean;
  stopping: boolean;
  onSend(text: string): void;
  onStop(): void;
  /** Text put back to edit (a new object each time, so the same text can come twice). */
  prefill?: { text: string } | null;
  /** Shown before the text box (attachments). */
  accessory?: ReactNode;
}) {
  const [text, setText] = useState("");
  const box = useRef<HTMLTextAreaElement>(null);
  // Adjusted while rendering (React's pattern for state derived from a prop), focused after.
  const [shownPrefill, setShownPrefill] = useState(prefill);
  if (prefill !== shownPrefill) {
    setShownPrefill(prefill);
    if (prefill) setText(prefill.text);
  }
  useEffect(() => {
    if (prefill) box.current?.focus();
  }, [prefill]);
  const send = () => {
    const trimmed = text.trim();
    if (!trimmed || disabled || running) return;
    onSend(trimmed);
    setText("");
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter sends, Shift+Enter adds a line; IME composition keeps its own Enter.
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  };
  return (
    <form
      className="flex items-end gap-2 border-t border-border bg-surface p-3"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      <label htmlFor="chat-input" className="sr-only">
        Message the agent
      </label>
      {accessory}
      <textarea
        ref={box}
        id="chat-input"
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        rows={Math.min(8, Math.max(1, text.split("\n").length))}
        placeholder={disabled ? "Connecting…" : "Ask the agent something (Shift+Enter for a new line)"}
        disabled={disabled}
        className="min-h-[44px] flex-1 resize-none rounded-md border border-border bg-canvas px-3 py-2 text-[15px] text-ink placeholder:text-ink-muted focus:border-accent focus:outline-none"
      />
      {running ? (
        <button
          type="button"
          onClick={onStop}
          disabled={stopping}
          className="h-11 rounded-md border border-danger/50 px-4 text-sm font-medium text-danger hover:bg-danger/10 disabled:opacity-60"
        >
          {stopping ? "Stopping…" : "Stop"}
        </button>
      ) : (
        <button
          type="submit"
          disabled={disabled || !text.trim()}
          className="h-11 rounded-md bg-accent px-4 text-sm font-medium text-accent-ink hover:opacity-90 disabled:opacity-50"
        >
          Send
        </button>
      )}
    </form>
  );
}

"use client";

import { useEffect, useState } from "react";
import { apiFetch, asErrorPayload } from "@/lib/api-client";
import { errorMessageFor } from "@/lib/error-messages";
import type { Conversation } from "@/lib/records";

type SearchState = { query: string; status: "loading" } | { query: string; status: "done"; results: Conversation[] } | { query: string; status: "failed"; message: string };

/** Finds the person's conversations with this agent by title or by what was said in them. */
export function ConversationSearch({ agentId, onOpen, onSearchingChange }: { agentId: string; onOpen(id: string): void; onSearchingChange(searching: boolean): void }) {
  const [query, setQuery] = useState("");
  const [search, setSearch] = useState<SearchState | null>(null);
  const trimmed = query.trim();

  useEffect(() => {
    onSearchingChange(trimmed !== "");
    if (!trimmed) return;
    const controller = new AbortController();
    // Typing pauses before asking: one request per word, not per key.
    const timer = setTimeout(() => {
      setSearch({ query: trimmed, status: "loading" });
      apiFetch<{ conversations: Conversation[] }>(`/api/agents/${agentId}/conversations?q=${encodeURIComponent(trimmed)}`, { signal: controller.signal }).then(
        ({ conversations }) => setSearch({ query: trimmed, status: "done", results: conversations }),
        (error: unknown) => {
          if (!controller.signal.aborted) setSearch({ query: trimmed, status: "failed", message: errorMessageFor(asErrorPayload(error)) });
        },
      );
    }, 250);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [agentId, trimmed, onSearchingChange]);

  const shown = search && search.query === trimmed ? search : null;
  return (
    <div className="px-3 pb-2">
      <input
        type="search"
        aria-label="Search conversations"
        placeholder="Search conversations"
        value={query}
        onChange={(event) => setQuery(event.target.value)}
        onKeyDown={(event) => event.key === "Escape" && setQuery("")}
        className="w-full rounded-md border border-border bg-canvas px-2.5 py-1.5 text-sm placeholder:text-ink-muted focus:border-accent focus:outline-none"
      />
      {trimmed ? (
        <div data-testid="search-results" aria-live="polite" className="mt-2 space-y-0.5">
          {!shown || shown.status === "loading" ? <p className="px-2 text-xs text-ink-muted">Searching…</p> : null}
          {shown?.status === "failed" ? <p className="px-2 text-xs text-danger">{shown.message}</p> : null}
          {shown?.status === "done" && shown.results.length === 0 ? <p className="px-2 text-xs text-ink-muted">No conversation mentions “{trimmed}”.</p> : null}
          {shown?.status === "done"
            ? shown.results.map((conversation) => (
                <button
                  key={conversation.id}
                  type="button"
                  onClick={() => onOpen(conversation.id)}
                  className="block w-full truncate rounded px-2 py-1.5 text-left text-sm text-ink hover:bg-surface-muted"
                >
                  {conversation.title || "New conversation"}
                </button>
              ))
            : null}
        </div>
      ) : null}
    </div>
  );
}

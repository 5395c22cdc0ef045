"use client";

import { useEffect, useState } from "react";
import type { TemplateListResponse } from "@/lib/agent-api";
import { apiFetch } from "@/lib/api-client";

/** An empty chat's first step: the prompts the agent's template suggests, each sent with one click. */
export function SuggestedPrompts({ templateId, onPick }: { templateId: string; onPick(prompt: string): void }) {
  const [prompts, setPrompts] = useState<string[]>([]);
  useEffect(() => {
    let cancelled = false;
    void apiFetch<TemplateListResponse>("/api/templates")
      .then(({ templates }) => {
        if (!cancelled) setPrompts(templates.find((template) => template.id === templateId)?.suggestedPrompts ?? []);
      })
      // Without them the chat still works: the hint above the composer says what to do.
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [templateId]);
  if (prompts.length === 0) return null;
  return (
    <ul aria-label="Suggested prompts" className="mt-4 flex flex-col gap-2 text-left">
      {prompts.map((prompt) => (
        <li key={prompt}>
          <button
            type="button"
            onClick={() => onPick(prompt)}
            className="w-full rounded-md border border-border bg-canvas px-3 py-2 text-sm text-ink hover:border-accent hover:text-accent"
          >
            {prompt}
          </button>
        </li>
      ))}
    </ul>
  );
}

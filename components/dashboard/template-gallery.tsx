"use client";

import { useEffect } from "react";
import type { AgentTemplate } from "@/lib/agent-templates";
import { errorMessageFor } from "@/lib/error-messages";
import { Button } from "@/components/ui/button";
import { useAgentsStore } from "@/stores/agents-store";
import { TemplateGrid } from "./template-grid";

/** The templates from the server, with their loading and error states. */
export function TemplateGallery({
  pendingTemplateId,
  onChooseTemplate,
  onChooseBlank,
}: {
  pendingTemplateId: string | null;
  onChooseTemplate: (template: AgentTemplate) => void;
  onChooseBlank: () => void;
}) {
  const templates = useAgentsStore((state) => state.templates);
  const status = useAgentsStore((state) => state.templatesStatus);
  const error = useAgentsStore((state) => state.templatesError);
  const loadTemplates = useAgentsStore((state) => state.loadTemplates);

  useEffect(() => {
    void loadTemplates();
  }, [loadTemplates]);

  if (status === "error" && error) {
    return (
      <div role="alert" className="rounded-card border border-danger/30 bg-danger/5 p-4 text-sm text-danger">
        <p>The templates could not be loaded. {errorMessageFor(error)}</p>
        <div className="mt-3 flex flex-wrap gap-2">
          <Button size="sm" variant="secondary" onClick={() => void loadTemplates()}>
            Try again
          </Button>
          <Button size="sm" variant="ghost" onClick={onChooseBlank}>
            Start from a blank agent instead
          </Button>
        </div>
      </div>
    );
  }
  if (status !== "ready") {
    return (
      <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3" aria-busy="true" aria-label="Loading templates">
        {Array.from({ length: 6 }, (_, index) => (
          <li key={index} className="h-24 animate-pulse rounded-card border border-border bg-surface-muted" />
        ))}
      </ul>
    );
  }
  return (
    <TemplateGrid
      templates={templates}
      pendingTemplateId={pendingTemplateId}
      disabled={pendingTemplateId !== null}
      onChooseTemplate={onChooseTemplate}
      onChooseBlank={onChooseBlank}
    />
  );
}

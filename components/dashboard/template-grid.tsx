"use client";

import { useId } from "react";
import type { AgentTemplate } from "@/lib/agent-templates";
import { AgentIcon, type IconName } from "./agent-icon";

/** Templates as large buttons: choosing one creates the agent. The blank option sits last. */
export function TemplateGrid({
  templates,
  pendingTemplateId,
  disabled,
  onChooseTemplate,
  onChooseBlank,
}: {
  templates: readonly AgentTemplate[];
  /** The template being created from, which says so while the request runs. */
  pendingTemplateId: string | null;
  disabled: boolean;
  onChooseTemplate: (template: AgentTemplate) => void;
  onChooseBlank: () => void;
}) {
  return (
    <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3" data-testid="template-grid">
      {templates.map((template) => (
        <li key={template.id} className="flex">
          <TemplateButton
            icon={template.icon}
            name={template.name}
            description={template.description}
            pending={pendingTemplateId === template.id}
            disabled={disabled}
            onClick={() => onChooseTemplate(template)}
          />
        </li>
      ))}
      <li className="flex">
        <TemplateButton
          icon="plus"
          name="Blank agent"
          description="Start from scratch and write its instructions yourself."
          pending={false}
          disabled={disabled}
          dashed
          onClick={onChooseBlank}
        />
      </li>
    </ul>
  );
}

function TemplateButton({
  icon,
  name,
  description,
  pending,
  disabled,
  dashed = false,
  onClick,
}: {
  icon: IconName;
  name: string;
  description: string;
  pending: boolean;
  disabled: boolean;
  dashed?: boolean;
  onClick: () => void;
}) {
  const nameId = useId();
  const descriptionId = useId();
  return (
    <button
      type="button"
      onClick={onClick}
      disabled={disabled}
      aria-labelledby={nameId}
      aria-describedby={descriptionId}
      data-testid="template-option"
      className={`flex w-full items-start gap-3 rounded-card border bg-surface p-4 text-left transition-colors hover:border-accent hover:bg-accent/5 disabled:cursor-wait disabled:opacity-70 ${
        dashed ? "border-dashed border-border" : "border-border"
      }`}
    >
      <AgentIcon icon={icon} name={name} muted={dashed} />
      <span className="min-w-0">
        <span id={nameId} className="block text-sm font-semibold text-ink">
          {name}
        </span>
        <span id={descriptionId} className="mt-0.5 block text-xs leading-relaxed text-ink-muted">
          {pending ? "Creating…" : description}
        </span>
      </span>
    </button>
  );
}

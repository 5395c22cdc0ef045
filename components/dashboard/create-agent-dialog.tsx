"use client";

import { lazy, Suspense, useState } from "react";
import type { AgentSummary } from "@/lib/agent-api";
import type { AgentTemplate } from "@/lib/agent-templates";
import { asErrorPayload } from "@/lib/api-client";
import { errorMessageFor } from "@/lib/error-messages";
import { Dialog } from "@/components/ui/dialog";
import { useAgentsStore } from "@/stores/agents-store";

// The blank-agent form (and its model list) loads when someone chooses a blank agent, and the
// template gallery when it is shown: neither is needed to list a person's agents.
const AgentForm = lazy(() => import("./agent-form").then((module) => ({ default: module.AgentForm })));
const TemplateGallery = lazy(() => import("./template-gallery").then((module) => ({ default: module.TemplateGallery })));

export type CreateStep = "templates" | "blank";

/** The template gallery, and the blank-agent form one step further; `onCreated` opens the new agent. */
export function CreateAgentDialog({
  step,
  onStepChange,
  onClose,
  onCreated,
}: {
  /** Null while closed. */
  step: CreateStep | null;
  onStepChange: (step: CreateStep) => void;
  onClose: () => void;
  onCreated: (agent: AgentSummary) => void;
}) {
  const createAgent = useAgentsStore((state) => state.createAgent);
  const defaultModel = useAgentsStore((state) => state.defaultModel);

  return (
    <Dialog
      open={step !== null}
      onClose={onClose}
      size={step === "blank" ? "md" : "lg"}
      title={step === "blank" ? "Create a blank agent" : "Create an agent"}
      description={
        step === "blank"
          ? "Give it a name and tell it what to do. You can change everything later."
          : "Start from a template made for a common task. You can change its name and instructions later."
      }
    >
      {step === "blank" ? (
        <Suspense fallback={<p className="text-sm text-ink-muted">Loading…</p>}>
          <AgentForm
            initial={{ name: "", description: "", instructions: "", model: defaultModel ?? "" }}
            defaultModel={defaultModel}
            submitLabel="Create agent"
            submittingLabel="Creating…"
            onCancel={() => onStepChange("templates")}
            onSubmit={async (values) => {
              const agent = await createAgent({
                name: values.name.trim(),
                description: values.description,
                instructions: values.instructions,
                // Left empty while the templates (which carry the default) are still loading: the server picks.
                ...(values.model ? { model: values.model } : {}),
              });
              onCreated(agent);
            }}
          />
        </Suspense>
      ) : (
        <TemplatePicker onBlank={() => onStepChange("blank")} onCreated={onCreated} />
      )}
    </Dialog>
  );
}

/** Choosing a template creates the agent at once: there is nothing to fill in first. */
export function TemplatePicker({ onBlank, onCreated }: { onBlank: () => void; onCreated: (agent: AgentSummary) => void }) {
  const createAgent = useAgentsStore((state) => state.createAgent);
  const [pendingTemplateId, setPendingTemplateId] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const choose = async (template: AgentTemplate) => {
    setPendingTemplateId(template.id);
    setProblem(null);
    try {
      // Still "Creating…" while its chat opens: the page is about to change.
      onCreated(await createAgent({ templateId: template.id }));
    } catch (error) {
      setProblem(errorMessageFor(asErrorPayload(error)));
      setPendingTemplateId(null);
    }
  };

  return (
    <div className="flex flex-col gap-4">
      {problem ? (
        <p role="alert" className="rounded-md border border-danger/30 bg-danger/5 px-3 py-2 text-sm text-danger">
          {problem}
        </p>
      ) : null}
      <Suspense fallback={<p className="text-sm text-ink-muted">Loading templates…</p>}>
        <TemplateGallery pendingTemplateId={pendingTemplateId} onChooseTemplate={choose} onChooseBlank={onBlank} />
      </Suspense>
    </div>
  );
}

"use client";

import { useState } from "react";
import type { AgentSummary } from "@/lib/agent-api";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { useAgentsStore } from "@/stores/agents-store";
import { AgentForm, changedFields, type AgentFormValues } from "./agent-form";

export function EditAgentDialog({ agent, onClose }: { agent: AgentSummary | null; onClose: () => void }) {
  const updateAgent = useAgentsStore((state) => state.updateAgent);
  const reloadAgent = useAgentsStore((state) => state.reloadAgent);
  const defaultModel = useAgentsStore((state) => state.defaultModel);
  const [reloading, setReloading] = useState(false);

  return (
    <Dialog
      open={agent !== null}
      onClose={onClose}
      title={agent ? `Edit “${agent.name}”` : "Edit agent"}
      description="Changes apply to the agent's next reply. Earlier versions are kept."
    >
      {agent ? (
        <AgentForm
          // A reloaded agent has a new version: the form starts over from it.
          key={`${agent.id}:${agent.version}`}
          initial={valuesOf(agent)}
          defaultModel={defaultModel}
          submitLabel="Save changes"
          submittingLabel="Saving…"
          onCancel={onClose}
          onSubmit={async (values) => {
            const edit = changedFields(valuesOf(agent), values);
            if (Object.keys(edit).length > 0) await updateAgent(agent.id, edit, agent.version);
            onClose();
          }}
          errorAction={(error) =>
            error.code === "conflict" ? (
              <Button
                size="sm"
                variant="secondary"
                disabled={reloading}
                onClick={async () => {
                  setReloading(true);
                  await reloadAgent(agent.id).catch(() => undefined);
                  setReloading(false);
                }}
              >
                {reloading ? "Loading…" : "Load the latest version"}
              </Button>
            ) : null
          }
        />
      ) : null}
    </Dialog>
  );
}

function valuesOf(agent: AgentSummary): AgentFormValues {
  return { name: agent.name, description: agent.description, instructions: agent.instructions, model: agent.model };
}

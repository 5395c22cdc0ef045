"use client";

import { useState } from "react";
import type { AgentSummary } from "@/lib/agent-api";
import { asErrorPayload } from "@/lib/api-client";
import { errorMessageFor } from "@/lib/error-messages";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { useAgentsStore } from "@/stores/agents-store";

export function DeleteAgentDialog({ agent, onClose }: { agent: AgentSummary | null; onClose: () => void }) {
  const deleteAgent = useAgentsStore((state) => state.deleteAgent);
  const [deleting, setDeleting] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const close = () => {
    setProblem(null);
    onClose();
  };
  const confirm = async () => {
    if (!agent) return;
    setDeleting(true);
    setProblem(null);
    try {
      await deleteAgent(agent.id);
      close();
    } catch (error) {
      setProblem(errorMessageFor(asErrorPayload(error)));
    } finally {
      setDeleting(false);
    }
  };

  return (
    <Dialog
      open={agent !== null}
      onClose={close}
      size="sm"
      title={agent ? `Delete “${agent.name}”?` : "Delete agent?"}
      description="The agent and all of its conversations will be deleted. This can't be undone."
    >
      {problem ? (
        <p role="alert" className="mb-4 rounded-md border border-danger/30 bg-danger/5 px-3 py-2 text-sm text-danger">
          {problem}
        </p>
      ) : null}
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        {/* Focused first, so pressing Enter by habit does not delete anything. */}
        <Button variant="secondary" onClick={close} disabled={deleting} autoFocus>
          Keep agent
        </Button>
        <Button variant="danger" onClick={confirm} disabled={deleting}>
          {deleting ? "Deleting…" : "Delete agent"}
        </Button>
      </div>
    </Dialog>
  );
}

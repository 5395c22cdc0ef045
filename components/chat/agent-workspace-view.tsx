"use client";

import { lazy, Suspense } from "react";
import { useChatStore } from "@/stores/chat-store";
import { AgentChat, type AgentSidePanel } from "./agent-chat";

// Images made by the agent and the side panels load when there is something to show, so the
// chat's first load stays as it was. React.lazy, not next/dynamic, whose loader costs ~2 kB.
const InlineFileImage = lazy(() => import("@/components/files/inline-file-image").then((module) => ({ default: module.InlineFileImage })));
const AgentFilesPanel = lazy(() => import("@/components/files/agent-files-panel").then((module) => ({ default: module.AgentFilesPanel })));
const AgentActivityPanel = lazy(() => import("./agent-activity-panels").then((module) => ({ default: module.AgentActivityPanel })));

function PanelLoading() {
  return <p className="p-4 text-sm text-ink-muted">Loading…</p>;
}

/** The agent page: chat, with the agent's files, schedules, runs and versions beside it and its images inline. */
export function AgentWorkspaceView({ agentId }: { agentId: string }) {
  // The file list refreshes whenever a reply settles, so what the agent just made shows up.
  const settledReplies = useChatStore((state) => state.messages.filter((message) => message.role === "assistant" && message.status !== "streaming").length);
  const panels: AgentSidePanel[] = [
    {
      id: "files",
      label: "Files",
      render: () => (
        <Suspense fallback={<PanelLoading />}>
          <AgentFilesPanel agentId={agentId} refreshToken={settledReplies} />
        </Suspense>
      ),
    },
    ...(["schedules", "runs", "versions"] as const).map((kind) => ({
      id: kind,
      label: kind.charAt(0).toUpperCase() + kind.slice(1),
      render: ({ openConversation }: { openConversation(conversationId: string): void }) => (
        <Suspense fallback={<PanelLoading />}>
          <AgentActivityPanel kind={kind} agentId={agentId} onOpenConversation={openConversation} />
        </Suspense>
      ),
    })),
  ];
  return (
    <AgentChat
      agentId={agentId}
      panels={panels}
      renderImage={(path) => (
        <Suspense fallback={null}>
          <InlineFileImage agentId={agentId} path={path} alt={`Image made by the agent: ${path}`} />
        </Suspense>
      )}
    />
  );
}

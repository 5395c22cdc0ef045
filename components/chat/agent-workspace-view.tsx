"use client";

import dynamic from "next/dynamic";
import { useChatStore } from "@/stores/chat-store";
import { AgentChat, type AgentSidePanel } from "./agent-chat";

// Images made by the agent and the files panel load when there is something to show.
const InlineFileImage = dynamic(() => import("@/components/files/inline-file-image").then((module) => module.InlineFileImage), { ssr: false });

function PanelLoading() {
  return <p className="p-4 text-sm text-ink-muted">Loading…</p>;
}

// Each panel loads when the person first opens it, so the chat's first load stays as it was.
const AgentFilesPanel = dynamic(() => import("@/components/files/agent-files-panel").then((module) => module.AgentFilesPanel), {
  ssr: false,
  loading: PanelLoading,
});
const AgentActivityPanel = dynamic(() => import("./agent-activity-panels").then((module) => module.AgentActivityPanel), {
  ssr: false,
  loading: PanelLoading,
});

/** The agent page: chat, with the agent's files, schedules, runs and versions beside it and its images inline. */
export function AgentWorkspaceView({ agentId }: { agentId: string }) {
  // The file list refreshes whenever a reply settles, so what the agent just made shows up.
  const settledReplies = useChatStore((state) => state.messages.filter((message) => message.role === "assistant" && message.status !== "streaming").length);
  const panels: AgentSidePanel[] = [
    { id: "files", label: "Files", render: () => <AgentFilesPanel agentId={agentId} refreshToken={settledReplies} /> },
    ...(["schedules", "runs", "versions"] as const).map((kind) => ({
      id: kind,
      label: kind.charAt(0).toUpperCase() + kind.slice(1),
      render: ({ openConversation }: { openConversation(conversationId: string): void }) => (
        <AgentActivityPanel kind={kind} agentId={agentId} onOpenConversation={openConversation} />
      ),
    })),
  ];
  return (
    <AgentChat agentId={agentId} panels={panels} renderImage={(path) => <InlineFileImage agentId={agentId} path={path} alt={`Image made by the agent: ${path}`} />} />
  );
}

"use client";

import dynamic from "next/dynamic";
import { useChatStore } from "@/stores/chat-store";
import { AgentChat, type AgentSidePanel } from "./agent-chat";

// Images made by the agent and the files panel load when there is something to show.
const InlineFileImage = dynamic(() => import("@/components/files/inline-file-image").then((module) => module.InlineFileImage), { ssr: false });

const panelLoading = (what: string) =>
  function PanelLoading() {
    return <p className="p-4 text-sm text-ink-muted">Loading {what}…</p>;
  };

// Each panel loads when the person first opens it, so the chat's first load stays as it was.
const AgentFilesPanel = dynamic(() => import("@/components/files/agent-files-panel").then((module) => module.AgentFilesPanel), {
  ssr: false,
  loading: panelLoading("files"),
});
const SchedulesPanel = dynamic(() => import("@/components/schedules/schedules-panel").then((module) => module.SchedulesPanel), {
  ssr: false,
  loading: panelLoading("schedules"),
});
const RunHistoryPanel = dynamic(() => import("@/components/runs/run-history-panel").then((module) => module.RunHistoryPanel), {
  ssr: false,
  loading: panelLoading("runs"),
});
const VersionsPanel = dynamic(() => import("@/components/versions/versions-panel").then((module) => module.VersionsPanel), {
  ssr: false,
  loading: panelLoading("versions"),
});

/** The agent page: chat, with the agent's files, schedules, runs and versions beside it and its images inline. */
export function AgentWorkspaceView({ agentId }: { agentId: string }) {
  // The file list refreshes whenever a reply settles, so what the agent just made shows up.
  const settledReplies = useChatStore((state) => state.messages.filter((message) => message.role === "assistant" && message.status !== "streaming").length);
  const panels: AgentSidePanel[] = [
    { id: "files", label: "Files", render: () => <AgentFilesPanel agentId={agentId} refreshToken={settledReplies} /> },
    { id: "schedules", label: "Schedules", render: ({ openConversation }) => <SchedulesPanel agentId={agentId} onOpenConversation={openConversation} /> },
    { id: "runs", label: "Runs", render: ({ openConversation }) => <RunHistoryPanel agentId={agentId} onOpenConversation={openConversation} /> },
    { id: "versions", label: "Versions", render: () => <VersionsPanel agentId={agentId} /> },
  ];
  return (
    <AgentChat agentId={agentId} panels={panels} renderImage={(path) => <InlineFileImage agentId={agentId} path={path} alt={`Image made by the agent: ${path}`} />} />
  );
}

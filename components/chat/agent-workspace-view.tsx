"use client";

import dynamic from "next/dynamic";
import { useChatStore } from "@/stores/chat-store";
import { AgentChat } from "./agent-chat";

// Images made by the agent and the files panel load when there is something to show.
const InlineFileImage = dynamic(() => import("@/components/files/inline-file-image").then((module) => module.InlineFileImage), { ssr: false });
// The files panel loads when the person first opens it.
const AgentFilesPanel = dynamic(() => import("@/components/files/agent-files-panel").then((module) => module.AgentFilesPanel), {
  ssr: false,
  loading: () => <p className="p-4 text-sm text-ink-muted">Loading files…</p>,
});

/** The agent page: chat, with the agent's files beside it and its images inline. */
export function AgentWorkspaceView({ agentId }: { agentId: string }) {
  // The file list refreshes whenever a reply settles, so what the agent just made shows up.
  const settledReplies = useChatStore((state) => state.messages.filter((message) => message.role === "assistant" && message.status !== "streaming").length);
  return (
    <AgentChat
      agentId={agentId}
      filesPanel={<AgentFilesPanel agentId={agentId} refreshToken={settledReplies} />}
      renderImage={(path) => <InlineFileImage agentId={agentId} path={path} alt={`Image made by the agent: ${path}`} />}
    />
  );
}

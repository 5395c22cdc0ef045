"use client";

import { AgentFilesPanel } from "@/components/files/agent-files-panel";
import { InlineFileImage } from "@/components/files/inline-file-image";
import { useChatStore } from "@/stores/chat-store";
import { AgentChat } from "./agent-chat";

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

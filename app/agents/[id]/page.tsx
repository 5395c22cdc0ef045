import type { Metadata } from "next";
import { AgentWorkspaceView } from "@/components/chat/agent-workspace-view";

export const metadata: Metadata = { title: "Agent" };

export default async function AgentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <AgentWorkspaceView agentId={id} />;
}

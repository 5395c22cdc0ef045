import type { Metadata } from "next";
import { AgentChat } from "@/components/chat/agent-chat";

export const metadata: Metadata = { title: "Agent" };

export default async function AgentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <AgentChat agentId={id} />;
}

"use client";

import { RunHistoryPanel } from "@/components/runs/run-history-panel";
import { SchedulesPanel } from "@/components/schedules/schedules-panel";
import { VersionsPanel } from "@/components/versions/versions-panel";

export type AgentActivityPanelKind = "schedules" | "runs" | "versions";

/**
 * Schedules, runs and versions, as one module: the agent page loads them together the first time
 * any of them opens, with one loader in its first load rather than three.
 */
export function AgentActivityPanel({
  kind,
  agentId,
  onOpenConversation,
}: {
  kind: AgentActivityPanelKind;
  agentId: string;
  onOpenConversation(conversationId: string): void;
}) {
  if (kind === "schedules") return <SchedulesPanel agentId={agentId} onOpenConversation={onOpenConversation} />;
  if (kind === "runs") return <RunHistoryPanel agentId={agentId} onOpenConversation={onOpenConversation} />;
  return <VersionsPanel agentId={agentId} />;
}

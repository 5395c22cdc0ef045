import type { AgentStatus } from "@/lib/agent-api";
import { Badge, type BadgeTone } from "@/components/ui/badge";

const looks: Record<AgentStatus, { label: string; tone: BadgeTone; dot: string; explanation: string }> = {
  idle: { label: "Ready", tone: "neutral", dot: "bg-ink-muted/60", explanation: "Not working on anything right now." },
  running: { label: "Working", tone: "accent", dot: "bg-accent animate-pulse", explanation: "Working on a reply right now." },
  error: { label: "Last run failed", tone: "danger", dot: "bg-danger", explanation: "Its most recent conversation ended with an error. Open the chat to see what happened." },
};

export function AgentStatusBadge({ status }: { status: AgentStatus }) {
  const look = looks[status];
  return (
    <Badge tone={look.tone} title={look.explanation} data-testid="agent-status" data-status={status}>
      <span aria-hidden className={`h-1.5 w-1.5 rounded-full ${look.dot}`} />
      {look.label}
    </Badge>
  );
}

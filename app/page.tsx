import { AgentDashboard } from "@/components/dashboard/agent-dashboard";

export const dynamic = "force-dynamic";

// The agents load in the browser through /api/agents with the person's session cookie.
export default function DashboardPage() {
  return <AgentDashboard />;
}

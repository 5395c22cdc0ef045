import { headers } from "next/headers";
import { AgentDashboard, type DashboardInitialData } from "@/components/dashboard/agent-dashboard";
import { agentTemplates } from "@/lib/agent-templates";
import { AppError } from "@/lib/errors";
import { getAuthDependencies } from "@/server/auth/auth-dependencies";
import { authenticateCredentials } from "@/server/auth/request-user";
import { logger } from "@/server/logger";
import { getPlatformServices } from "@/server/platform-services";

export const dynamic = "force-dynamic";

/**
 * The person's agents come with the page, so the first paint after sign-in shows their cards
 * rather than placeholders. If that read fails, the dashboard loads them in the browser (through
 * /api/agents, like every refresh) and says what went wrong there.
 */
async function initialDashboardData(): Promise<DashboardInitialData | undefined> {
  try {
    const user = await authenticateCredentials({ cookie: (await headers()).get("cookie") ?? undefined }, await getAuthDependencies());
    const services = getPlatformServices();
    return { agents: await services.agents.list(user), templates: [...agentTemplates], defaultModel: services.config.DEFAULT_MODEL };
  } catch (error) {
    // A session that ended since the cookie was set: the browser's load says so and offers sign-in.
    if (error instanceof AppError && error.code === "unauthorized") return undefined;
    logger.warn({ err: error }, "the dashboard's agents were not rendered on the server; the browser loads them");
    return undefined;
  }
}

export default async function DashboardPage() {
  return <AgentDashboard initialData={await initialDashboardData()} />;
}

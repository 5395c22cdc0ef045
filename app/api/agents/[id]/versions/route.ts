import type { VersionListResponse } from "@/lib/version-api";
import { listAgentVersions } from "@/server/agents/agent-versions";
import { jsonRoute } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";

/** Every saved version of the agent, newest first, with who made it; owner only. */
export const GET = jsonRoute(async (request: Request, { params }: { params: Promise<{ id: string }> }): Promise<VersionListResponse> => {
  const user = await requireUser(request);
  const { id } = await params;
  return { versions: await listAgentVersions(user, id) };
});

import { rollbackAgentBodySchema, type AgentResponse } from "@/lib/agent-api";
import { jsonRoute, readJsonBody } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { getPlatformServices } from "@/server/platform-services";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

/**
 * Body: `version` (the one to restore) and `expectedVersion` (the agent's version when the person
 * chose it; 409 when stale). Answers the agent at its new version, whose config is `version`'s.
 */
export const POST = jsonRoute(async (request: Request, { params }: { params: Promise<{ id: string }> }): Promise<AgentResponse> => {
  const user = await requireUser(request);
  const { id } = await params;
  const body = await readJsonBody(request, rollbackAgentBodySchema);
  return { agent: await getPlatformServices().versions.rollback(user, id, body) };
});

export const { GET, PUT, PATCH, DELETE } = methodsOtherThan("POST");

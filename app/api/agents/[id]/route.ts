import { updateAgentBodySchema, type AgentResponse } from "@/lib/agent-api";
import { jsonRoute, readJsonBody } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { getPlatformServices } from "@/server/platform-services";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

interface AgentRouteContext {
  params: Promise<{ id: string }>;
}

export const GET = jsonRoute(async (request: Request, { params }: AgentRouteContext): Promise<AgentResponse> => {
  const user = await requireUser(request);
  const { id } = await params;
  return { agent: await getPlatformServices().agents.get(user, id) };
});

/** Body: the changed fields plus `expectedVersion`, the version the edit was made from (409 when stale). */
export const PATCH = jsonRoute(async (request: Request, { params }: AgentRouteContext): Promise<AgentResponse> => {
  const user = await requireUser(request);
  const { id } = await params;
  const { expectedVersion, ...patch } = await readJsonBody(request, updateAgentBodySchema);
  return { agent: await getPlatformServices().agents.update(user, id, patch, expectedVersion) };
});

/** Deletes the agent with its conversations and versions. */
export const DELETE = jsonRoute(async (request: Request, { params }: AgentRouteContext) => {
  const user = await requireUser(request);
  const { id } = await params;
  await getPlatformServices().agents.delete(user, id);
  return new Response(null, { status: 204, headers: { "cache-control": "no-store" } });
});

export const { POST, PUT } = methodsOtherThan("GET", "PATCH", "DELETE");

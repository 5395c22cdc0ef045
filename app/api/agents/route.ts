import { createAgentBodySchema, type AgentListResponse, type AgentResponse } from "@/lib/agent-api";
import { jsonRoute, readJsonBody } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { getPlatformServices } from "@/server/platform-services";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

/** The signed-in person's agents, most recently active first; `?query=` narrows by name or description. */
export const GET = jsonRoute(async (request: Request): Promise<AgentListResponse> => {
  const user = await requireUser(request);
  const query = new URL(request.url).searchParams.get("query") ?? undefined;
  return { agents: await getPlatformServices().agents.list(user, { query }) };
});

/** Creates an agent from a template (`templateId`) or blank (`name` required). */
export const POST = jsonRoute(async (request: Request) => {
  const user = await requireUser(request);
  const body = await readJsonBody(request, createAgentBodySchema);
  const response: AgentResponse = { agent: await getPlatformServices().agents.create(user, body) };
  return Response.json(response, { status: 201, headers: { "cache-control": "no-store" } });
});

export const { PUT, PATCH, DELETE } = methodsOtherThan("GET", "POST");

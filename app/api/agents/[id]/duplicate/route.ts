import type { AgentResponse } from "@/lib/agent-api";
import { jsonRoute } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { getPlatformServices } from "@/server/platform-services";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

/** Copies the agent's name, description, instructions and model into a new private agent. */
export const POST = jsonRoute(async (request: Request, { params }: { params: Promise<{ id: string }> }) => {
  const user = await requireUser(request);
  const { id } = await params;
  const response: AgentResponse = { agent: await getPlatformServices().agents.duplicate(user, id) };
  return Response.json(response, { status: 201, headers: { "cache-control": "no-store" } });
});

export const { GET, PUT, PATCH, DELETE } = methodsOtherThan("POST");

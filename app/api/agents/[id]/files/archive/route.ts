import { agentArchiveResponse } from "@/server/files/file-http";
import { jsonRoute } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { getPlatformServices } from "@/server/platform-services";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

interface AgentFileArchiveRouteContext {
  params: Promise<{ id: string }>;
}

/** A zip of the agent's folder, or of the subfolder `?path=`, streamed as it is built. */
export const GET = jsonRoute(async (request: Request, { params }: AgentFileArchiveRouteContext) => {
  const user = await requireUser(request);
  const { id } = await params;
  return agentArchiveResponse(await getPlatformServices().files.openArchive(user, id, new URL(request.url).searchParams.get("path") ?? ""));
});

export const { POST, PUT, PATCH, DELETE } = methodsOtherThan("GET");

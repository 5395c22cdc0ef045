import { agentFileResponse, isFlagSet } from "@/server/files/file-http";
import { jsonRoute } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { getPlatformServices } from "@/server/platform-services";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

interface AgentFileContentRouteContext {
  params: Promise<{ id: string }>;
}

/**
 * One file's bytes: `?path=` (required), `?download=1` for an attachment, `?preview=1` for only
 * the first bytes (see limits.previewMaxBytes). Served sandboxed, and active content (HTML, SVG…)
 * only as a download, so nothing an agent made runs on this site.
 */
export const GET = jsonRoute(async (request: Request, { params }: AgentFileContentRouteContext) => {
  const user = await requireUser(request);
  const { id } = await params;
  const query = new URL(request.url).searchParams;
  const file = await getPlatformServices().files.open(user, id, query.get("path"), { preview: isFlagSet(query.get("preview")) });
  return agentFileResponse(file, { download: isFlagSet(query.get("download")), servedFrom: "app" });
});

export const { POST, PUT, PATCH, DELETE } = methodsOtherThan("GET");

import { agentFileResponse } from "@/server/files/file-http";
import { jsonRoute } from "@/server/http/json-route";
import { methodsOtherThan } from "@/server/http/method-not-allowed";
import { getPlatformServices } from "@/server/platform-services";

/**
 * An image of the shared conversation, for anyone with the link: the share token is the whole
 * credential (no session is read, so the owner's never lends its rights). 404 once the link is
 * revoked or for a file the conversation does not show; 400 for a path that leaves the folder.
 */
export const GET = jsonRoute(async (request: Request, { params }: { params: Promise<{ token: string }> }) => {
  const { token } = await params;
  const file = await getPlatformServices().sharing.openSharedImage(token, new URL(request.url).searchParams.get("path") ?? undefined);
  return agentFileResponse(file, { download: false, servedFrom: "app" });
});

export const { POST, PUT, PATCH, DELETE } = methodsOtherThan("GET");

import type { VersionListResponse } from "@/lib/version-api";
import { jsonRoute } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { getPlatformServices } from "@/server/platform-services";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

/** Every saved version of the agent, newest first, with who made it; owner only. */
export const GET = jsonRoute(async (request: Request, { params }: { params: Promise<{ id: string }> }): Promise<VersionListResponse> => {
  const user = await requireUser(request);
  const { id } = await params;
  return { versions: await getPlatformServices().versions.list(user, id) };
});

export const { POST, PUT, PATCH, DELETE } = methodsOtherThan("GET");

import type { SharedAgentResponse } from "@/lib/share-api";
import { jsonRoute } from "@/server/http/json-route";
import { getPlatformServices } from "@/server/platform-services";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

/** What anyone with the link may see; no sign-in. 404 once the owner revokes the link. */
export const GET = jsonRoute(async (_request: Request, { params }: { params: Promise<{ token: string }> }): Promise<SharedAgentResponse> => {
  const { token } = await params;
  return { shared: await getPlatformServices().sharing.getShared(token) };
});

export const { POST, PUT, PATCH, DELETE } = methodsOtherThan("GET");

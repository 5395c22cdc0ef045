import { updateSharingBodySchema, type SharingResponse } from "@/lib/share-api";
import { jsonRoute, readJsonBody } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { publicOriginOf } from "@/server/sharing/share-service";
import { getPlatformServices } from "@/server/platform-services";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

interface AgentShareRouteContext {
  params: Promise<{ id: string }>;
}

/** The agent's sharing as its owner sees it, with the link to hand out (null while private). */
export const GET = jsonRoute(async (request: Request, { params }: AgentShareRouteContext): Promise<SharingResponse> => {
  const user = await requireUser(request);
  const { id } = await params;
  return getPlatformServices().sharing.get(user, id, publicOriginOf(request));
});

/**
 * Body: `visibility`, optionally `sharedConversationId` (null: no transcript) and `expectedVersion`.
 * Making it private revokes the link at once; sharing again issues a new one.
 */
export const PATCH = jsonRoute(async (request: Request, { params }: AgentShareRouteContext): Promise<SharingResponse> => {
  const user = await requireUser(request);
  const { id } = await params;
  const body = await readJsonBody(request, updateSharingBodySchema);
  return getPlatformServices().sharing.update(user, id, body, publicOriginOf(request));
});

export const { POST, PUT, DELETE } = methodsOtherThan("GET", "PATCH");

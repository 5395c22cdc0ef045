import type { UseSharedAgentResponse } from "@/lib/share-api";
import { jsonRoute } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { getPlatformServices } from "@/server/platform-services";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

/** Copies the shared agent into the caller's account as a new private agent of theirs. */
export const POST = jsonRoute(async (request: Request, { params }: { params: Promise<{ token: string }> }) => {
  const user = await requireUser(request);
  const { token } = await params;
  const response: UseSharedAgentResponse = { agent: await getPlatformServices().sharing.copyShared(user, token) };
  return Response.json(response, { status: 201, headers: { "cache-control": "no-store" } });
});

export const { GET, PUT, PATCH, DELETE } = methodsOtherThan("POST");

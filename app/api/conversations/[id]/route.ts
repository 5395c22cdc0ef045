import { renameConversationBodySchema } from "@/lib/conversation-api";
import { jsonRoute, readJsonBody } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { getPlatformServices } from "@/server/platform-services";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

type Context = { params: Promise<{ id: string }> };

export const GET = jsonRoute(async (request: Request, { params }: Context) => {
  const user = await requireUser(request);
  const { id } = await params;
  const { conversations } = getPlatformServices();
  const conversation = await conversations.conversationForOwner(user, id);
  return { conversation, ...(await conversations.resumePoint(id)) };
});

export const PATCH = jsonRoute(async (request: Request, { params }: Context) => {
  const user = await requireUser(request);
  const { id } = await params;
  const body = await readJsonBody(request, renameConversationBodySchema);
  return { conversation: await getPlatformServices().conversations.renameConversation(user, id, body.title) };
});

export const DELETE = jsonRoute(async (request: Request, { params }: Context) => {
  const user = await requireUser(request);
  const { id } = await params;
  await getPlatformServices().conversations.deleteConversation(user, id);
  return new Response(null, { status: 204 });
});

export const { POST, PUT } = methodsOtherThan("GET", "PATCH", "DELETE");

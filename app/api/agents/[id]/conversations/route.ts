import { createConversationBodySchema } from "@/lib/conversation-api";
import { jsonRoute, readJsonBody } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { getPlatformServices } from "@/server/platform-services";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

type Context = { params: Promise<{ id: string }> };

export const GET = jsonRoute(async (request: Request, { params }: Context) => {
  const user = await requireUser(request);
  const { id } = await params;
  return { conversations: await getPlatformServices().conversations.listConversations(user, id) };
});

export const POST = jsonRoute(async (request: Request, { params }: Context) => {
  const user = await requireUser(request);
  const { id } = await params;
  const body = await readJsonBody(request, createConversationBodySchema);
  const conversation = await getPlatformServices().conversations.createConversation(user, id, body.title);
  return Response.json({ conversation }, { status: 201 });
});

export const { PUT, PATCH, DELETE } = methodsOtherThan("GET", "POST");

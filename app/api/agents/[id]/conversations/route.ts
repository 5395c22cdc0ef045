import { conversationSearchQuerySchema, createConversationBodySchema } from "@/lib/conversation-api";
import { parseInput } from "@/server/http/parse-query";
import { jsonRoute, readJsonBody } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { getPlatformServices } from "@/server/platform-services";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

type Context = { params: Promise<{ id: string }> };

/** The person's conversations with the agent, newest first; `?q=` keeps those whose title or words contain it. */
export const GET = jsonRoute(async (request: Request, { params }: Context) => {
  const user = await requireUser(request);
  const { id } = await params;
  const { q } = parseInput(conversationSearchQuerySchema, Object.fromEntries(new URL(request.url).searchParams));
  const { conversations } = getPlatformServices();
  return { conversations: q ? await conversations.searchConversations(user, id, q) : await conversations.listConversations(user, id) };
});

export const POST = jsonRoute(async (request: Request, { params }: Context) => {
  const user = await requireUser(request);
  const { id } = await params;
  const body = await readJsonBody(request, createConversationBodySchema);
  const conversation = await getPlatformServices().conversations.createConversation(user, id, body.title);
  return Response.json({ conversation }, { status: 201 });
});

export const { PUT, PATCH, DELETE } = methodsOtherThan("GET", "POST");

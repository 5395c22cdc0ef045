import { messagePageQuerySchema, sendMessageBodySchema } from "@/lib/conversation-api";
import { AppError } from "@/lib/errors";
import { jsonRoute, readJsonBody } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { getPlatformServices } from "@/server/platform-services";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

type Context = { params: Promise<{ id: string }> };

export const GET = jsonRoute(async (request: Request, { params }: Context) => {
  const user = await requireUser(request);
  const { id } = await params;
  const query = messagePageQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) throw new AppError("bad_request", "afterSeq and limit must be whole numbers (limit at most 500).");
  return { messages: await getPlatformServices().conversations.listMessages(user, id, query.data) };
});

/** Sends a message without a socket (scripts, other clients); follow the reply over Socket.IO or poll the messages. */
export const POST = jsonRoute(async (request: Request, { params }: Context) => {
  const user = await requireUser(request);
  const { id } = await params;
  const body = await readJsonBody(request, sendMessageBodySchema);
  const { conversations, messages } = getPlatformServices();
  const conversation = await conversations.conversationForOwner(user, id);
  const ack = await messages.send(user, { ...body, conversationId: id, agentId: conversation.agentId });
  return Response.json(ack, { status: ack.duplicate ? 200 : 202 });
});

export const { PUT, PATCH, DELETE } = methodsOtherThan("GET", "POST");

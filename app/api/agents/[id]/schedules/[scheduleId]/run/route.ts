import { jsonRoute } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { getPlatformServices } from "@/server/platform-services";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

type Context = { params: Promise<{ id: string; scheduleId: string }> };

/** "Run now": 202 with the run and its new conversation; the run goes on in the background. */
export const POST = jsonRoute(async (request: Request, { params }: Context) => {
  const user = await requireUser(request);
  const { id, scheduleId } = await params;
  const started = await getPlatformServices().schedules.runNow(user, id, scheduleId);
  return Response.json(started, { status: 202, headers: { "cache-control": "no-store" } });
});

export const { GET, PUT, PATCH, DELETE } = methodsOtherThan("POST");

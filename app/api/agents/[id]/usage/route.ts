import { jsonRoute } from "@/server/http/json-route";
import { methodsOtherThan } from "@/server/http/method-not-allowed";
import { requireUser } from "@/server/http/request-user";
import { getPlatformServices } from "@/server/platform-services";

type Context = { params: Promise<{ id: string }> };

/** The owner's use of the agent per month: turns, tokens and cost, newest month first. */
export const GET = jsonRoute(async (request: Request, { params }: Context) => {
  const user = await requireUser(request);
  const { id } = await params;
  return getPlatformServices().schedules.usage(user, id);
});

export const { POST, PUT, PATCH, DELETE } = methodsOtherThan("GET");

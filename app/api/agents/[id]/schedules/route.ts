import { jsonRoute } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { getPlatformServices } from "@/server/platform-services";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

type Context = { params: Promise<{ id: string }> };

/** The agent's schedules with nextRunAt and lastFire, and the webhook secret (owner only). */
export const GET = jsonRoute(async (request: Request, { params }: Context) => {
  const user = await requireUser(request);
  const { id } = await params;
  return getPlatformServices().schedules.list(user, id);
});

export const { POST, PUT, PATCH, DELETE } = methodsOtherThan("GET");

import { jsonRoute } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { getPlatformServices } from "@/server/platform-services";

type Context = { params: Promise<{ id: string }> };

/** The agent's schedules with nextRunAt and lastFire, and the webhook secret (owner only). */
export const GET = jsonRoute(async (request: Request, { params }: Context) => {
  const user = await requireUser(request);
  const { id } = await params;
  return getPlatformServices().schedules.list(user, id);
});

import { jsonRoute } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { getPlatformServices } from "@/server/platform-services";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

type Context = { params: Promise<{ id: string }> };

/** Run history, newest first: `?trigger=schedule|chat&limit=` (limit 1–100, default 30). */
export const GET = jsonRoute(async (request: Request, { params }: Context) => {
  const user = await requireUser(request);
  const { id } = await params;
  return getPlatformServices().schedules.listRuns(user, id, Object.fromEntries(new URL(request.url).searchParams));
});

export const { POST, PUT, PATCH, DELETE } = methodsOtherThan("GET");

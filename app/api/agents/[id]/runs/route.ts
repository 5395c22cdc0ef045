import { jsonRoute } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { listAgentRuns } from "@/server/schedules/schedule-service";

type Context = { params: Promise<{ id: string }> };

/** Run history, newest first: `?trigger=schedule|chat&limit=` (limit 1–100, default 30). */
export const GET = jsonRoute(async (request: Request, { params }: Context) => {
  const user = await requireUser(request);
  const { id } = await params;
  return listAgentRuns(user, id, Object.fromEntries(new URL(request.url).searchParams));
});

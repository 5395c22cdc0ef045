import { jsonRoute, readJsonBody } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { markNotificationsRead, markNotificationsReadBodySchema } from "@/server/notifications/notification-service";

/** Body `{ ids?: string[] }`: marks those (or, without ids, all) of the caller's notifications read. */
export const POST = jsonRoute(async (request: Request) => {
  const user = await requireUser(request);
  return markNotificationsRead(user, await readJsonBody(request, markNotificationsReadBodySchema));
});

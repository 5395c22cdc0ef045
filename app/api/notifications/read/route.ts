import { jsonRoute, readJsonBody } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { markNotificationsReadBodySchema } from "@/server/notifications/notification-service";
import { getPlatformServices } from "@/server/platform-services";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

/** Body `{ ids?: string[] }`: marks those (or, without ids, all) of the caller's notifications read. */
export const POST = jsonRoute(async (request: Request) => {
  const user = await requireUser(request);
  return getPlatformServices().notifications.markRead(user, await readJsonBody(request, markNotificationsReadBodySchema));
});

export const { GET, PUT, PATCH, DELETE } = methodsOtherThan("POST");

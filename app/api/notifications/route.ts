import { jsonRoute } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { listNotifications } from "@/server/notifications/notification-service";

/** The caller's notifications, newest first (`?unread=1` for unread only), with the unread count. */
export const GET = jsonRoute(async (request: Request) => {
  const user = await requireUser(request);
  return listNotifications(user, Object.fromEntries(new URL(request.url).searchParams));
});

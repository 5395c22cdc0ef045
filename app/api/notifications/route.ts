import { jsonRoute } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { getPlatformServices } from "@/server/platform-services";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

/** The caller's notifications, newest first (`?unread=1` for unread only), with the unread count. */
export const GET = jsonRoute(async (request: Request) => {
  const user = await requireUser(request);
  return getPlatformServices().notifications.list(user, Object.fromEntries(new URL(request.url).searchParams));
});

export const { POST, PUT, PATCH, DELETE } = methodsOtherThan("GET");

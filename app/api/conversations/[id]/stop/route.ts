import { jsonRoute } from "@/server/http/json-route";
import { requireUser } from "@/server/http/request-user";
import { getPlatformServices } from "@/server/platform-services";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

type Context = { params: Promise<{ id: string }> };

export const POST = jsonRoute(async (request: Request, { params }: Context) => {
  const user = await requireUser(request);
  const { id } = await params;
  return getPlatformServices().messages.stop(user, id);
});

export const { GET, PUT, PATCH, DELETE } = methodsOtherThan("POST");

import { getAuthDependencies } from "@/server/auth/auth-dependencies";
import { guestSessionResponseBody, startGuestSession } from "@/server/auth/guest-sessions";
import { jsonRoute } from "@/server/http/json-route";
import { methodsOtherThan } from "@/server/http/method-not-allowed";

/** The original platform's guest API, for scripts: the session id is then a Bearer token. */
export const POST = jsonRoute(async (request: Request) => {
  const { store, guestSignups } = await getAuthDependencies();
  await guestSignups.admit(request.headers);
  const { session } = await startGuestSession(store);
  return guestSessionResponseBody(session);
});

export const { GET, PUT, PATCH, DELETE } = methodsOtherThan("POST");

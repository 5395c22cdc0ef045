import { getAuthDependencies } from "@/server/auth/auth-dependencies";
import { guestSessionResponseBody, startGuestSession } from "@/server/auth/guest-sessions";
import { jsonRoute } from "@/server/http/json-route";
import { admitGuestSignUp } from "@/server/limits/guest-signups";

/** The original platform's guest API, for scripts: the session id is then a Bearer token. */
export const POST = jsonRoute(async (request: Request) => {
  admitGuestSignUp(request.headers);
  const { session } = await startGuestSession((await getAuthDependencies()).store);
  return guestSessionResponseBody(session);
});

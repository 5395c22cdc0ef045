import { getAuthDependencies } from "@/server/auth/auth-dependencies";
import { guestSessionResponseBody, startGuestSession } from "@/server/auth/guest-sessions";
import { errorResponse } from "@/server/auth/request-user";

/** The original platform's guest API, for scripts: the session id is then a Bearer token. */
export async function POST(): Promise<Response> {
  try {
    const { session } = await startGuestSession((await getAuthDependencies()).store);
    return Response.json(guestSessionResponseBody(session), { headers: { "Cache-Control": "no-store" } });
  } catch (error) {
    return errorResponse(error);
  }
}

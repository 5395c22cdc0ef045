import { AppError } from "../../lib/errors";
import type { ActingUser } from "../conversations/conversation-service";
import { getPlatformServices } from "../platform-services";

/**
 * Who is calling a REST endpoint. Every route handler asks this one function; a request with no
 * valid session is refused with a 401 that says what to do.
 */
export async function requireUser(request: Request): Promise<ActingUser> {
  const header = request.headers.get("authorization");
  const bearer = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (bearer) {
    const session = await getPlatformServices().store.findGuestSession(bearer);
    if (session) return { userId: session.userId };
    throw new AppError("unauthorized", "This session is unknown or has expired. Sign in again.");
  }
  throw new AppError("unauthorized", "Sign in to continue.");
}

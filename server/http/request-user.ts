import type { AuthenticatedUser } from "../auth/session-claims";
import { resolveRequestUser } from "../auth/request-user";

/**
 * Who is calling a REST endpoint: every route handler asks this one function (a guest session as
 * Bearer token, else the Auth.js session cookie); without a valid session it throws a 401 that
 * says what to do.
 */
export function requireUser(request: Request): Promise<AuthenticatedUser> {
  return resolveRequestUser(request);
}

import { AppError } from "../../lib/errors";
import { errorResponse } from "./json-route";

/** The methods a route file may implement; Next.js answers HEAD and OPTIONS by itself. */
export const routeMethods = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type RouteMethod = (typeof routeMethods)[number];

/**
 * Handlers for every method a route does not take, so each answers 405 with the JSON error and
 * an Allow header, as docs/api.md promises for every error (Next.js alone sends an empty 405). A
 * route file exports the ones it lacks: `export const { PUT, DELETE } = methodsOtherThan("GET", "POST")`;
 * tests/integration/api-methods.test.ts walks app/api to check none is missing.
 */
export function methodsOtherThan(...allowed: RouteMethod[]): Record<RouteMethod, (request: Request) => Response> {
  const allow = [...allowed, ...(allowed.includes("GET") ? ["HEAD"] : []), "OPTIONS"].join(", ");
  const refuse = (request: Request) => {
    const response = errorResponse(new AppError("method_not_allowed", `This address does not take ${request.method} requests; it takes ${allow}.`));
    response.headers.set("allow", allow);
    return response;
  };
  return Object.fromEntries(routeMethods.map((method) => [method, refuse])) as Record<RouteMethod, (request: Request) => Response>;
}

import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ErrorPayload } from "@/lib/errors";
import { routeMethods } from "@/server/http/method-not-allowed";

/*
 * Every route file under app/api, every method it does not implement: the answer is 405 with the
 * JSON error, a sentence and an Allow header (Next.js alone sends an empty 405). The routes Auth.js
 * serves are included.
 */

const apiDirectory = path.resolve(__dirname, "../../app/api");

function routeFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === "route.ts" ? [full] : [];
  });
}

type Handler = (request: Request, context: unknown) => Promise<Response> | Response;
const files = routeFiles(apiDirectory);

describe("unsupported methods on every API route", () => {
  it("finds the route files", () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it.each(files.map((file) => [path.relative(apiDirectory, path.dirname(file))]))("/api/%s answers 405 with the JSON error for the methods it does not take", async (route) => {
    const routeModule = (await import(path.join(apiDirectory, route, "route.ts"))) as Partial<Record<string, Handler>>;
    const implemented = routeMethods.filter((method) => routeModule[method] && !isRefusal(routeModule[method]));
    expect(implemented.length, "a route takes at least one method").toBeGreaterThan(0);
    for (const method of routeMethods.filter((candidate) => !implemented.includes(candidate))) {
      const handler = routeModule[method];
      expect(handler, `${method} /api/${route} is not exported, so Next.js would send an empty 405`).toBeTypeOf("function");
      const response = await handler!(new Request(`http://localhost/api/${route}`, { method, body: method === "GET" ? undefined : "{}" }), { params: Promise.resolve({}) });
      expect(response.status, `${method} /api/${route}`).toBe(405);
      const allow = response.headers.get("allow")?.split(", ") ?? [];
      expect(allow).toEqual(expect.arrayContaining([...implemented, "OPTIONS"]));
      expect(allow).not.toContain(method);
      const body = (await response.json()) as { error: ErrorPayload };
      expect(body.error.code).toBe("method_not_allowed");
      expect(body.error.message).toMatch(new RegExp(`does not take ${method} requests; it takes .+\\.$`));
    }
  });
});

/** Our 405 handler (method-not-allowed.ts) is one function shared by all refused methods of a route. */
function isRefusal(handler: Handler | undefined): boolean {
  return handler !== undefined && handler.name === "refuse";
}

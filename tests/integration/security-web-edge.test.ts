import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DELETE as deleteAgentRoute, GET as getAgentRoute } from "@/app/api/agents/[id]/route";
import { GET as listAgentsRoute, POST as createAgentRoute } from "@/app/api/agents/route";
import type { ErrorPayload } from "@/lib/errors";
import type { Agent } from "@/lib/records";
import { getAuthConfig } from "@/server/auth/auth-config";
import { startSecurityPlatform, type SecurityPlatform } from "./support/security-platform";

/*
 * The web edge on the real platform and real routes: a page on another site can make a browser
 * send our session cookie, but not our Origin, so a cookie-signed state change from another
 * origin is refused (403) and changes nothing. The rule itself: auth-rest / auth-socket tests.
 */

const own = "http://localhost";
let security: SecurityPlatform;
let token: string;
let cookie: string;

const context = (id: string) => ({ params: Promise.resolve({ id }) });

function createWith(headers: Record<string, string>, name = "edge agent"): Promise<Response> {
  return createAgentRoute(
    new Request(`${own}/api/agents`, { method: "POST", body: JSON.stringify({ name }), headers: { "content-type": "application/json", ...headers } }),
  );
}
async function agentNames(): Promise<string[]> {
  const response = await listAgentsRoute(new Request(`${own}/api/agents`, { headers: { authorization: `Bearer ${token}` } }));
  return ((await response.json()) as { agents: Agent[] }).agents.map((agent) => agent.name);
}
async function expectForbidden(response: Response): Promise<void> {
  expect(response.status).toBe(403);
  const body = (await response.json()) as { error: ErrorPayload };
  expect(body.error.code).toBe("forbidden");
  expect(body.error.message).toMatch(/another site/);
}

beforeAll(async () => {
  security = await startSecurityPlatform();
  const guest = await security.newGuest();
  token = guest.token;
  const name = "authjs.session-token";
  const jwt = await encode({
    token: { userId: guest.userId, userType: "guest", guestSessionId: guest.token, sub: guest.userId },
    secret: getAuthConfig().secret,
    salt: name,
  });
  cookie = `${name}=${jwt}`;
}, 120_000);

afterAll(async () => {
  await security?.close();
});

describe("cookie sign-ins and the Origin of state changes", () => {
  it("refuses a cookie POST from another origin (text/plain, as a form would send) and creates nothing", async () => {
    const response = await createAgentRoute(
      new Request(`${own}/api/agents`, { method: "POST", body: JSON.stringify({ name: "forged" }), headers: { cookie, origin: "http://evil.example", "content-type": "text/plain" } }),
    );
    await expectForbidden(response);
    expect(await agentNames()).not.toContain("forged");
  });

  it("refuses Origin: null and a cookie POST with no Origin, and stores neither", async () => {
    await expectForbidden(await createWith({ cookie, origin: "null" }, "from null"));
    await expectForbidden(await createWith({ cookie }, "no origin"));
    expect(await agentNames()).not.toContain("from null");
    expect(await agentNames()).not.toContain("no origin");
    // The app's own page is unaffected (auth-rest.test.ts covers the rule's other cases).
    expect((await createWith({ cookie, origin: own }, "same origin")).status).toBe(201);
  });

  it("refuses a cross-origin cookie DELETE and keeps the agent; reads are not checked", async () => {
    const created = (await (await createWith({ authorization: `Bearer ${token}` }, "keep me")).json()) as { agent: Agent };
    const id = created.agent.id;
    await expectForbidden(await deleteAgentRoute(new Request(`${own}/api/agents/${id}`, { method: "DELETE", headers: { cookie, origin: "http://evil.example" } }), context(id)));
    const read = await getAgentRoute(new Request(`${own}/api/agents/${id}`, { headers: { cookie, origin: "http://evil.example" } }), context(id));
    expect(read.status).toBe(200);
    expect(await agentNames()).toContain("keep me");
  });
});

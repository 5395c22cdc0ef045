import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { encode } from "next-auth/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as createGuestRoute } from "@/app/api/auth/guest/route";
import { GET as validateRoute } from "@/app/api/auth/validate/[sessionId]/route";
import type { ErrorPayload } from "@/lib/errors";
import { getAuthConfig } from "@/server/auth/auth-config";
import { resolveRequestUser } from "@/server/auth/request-user";
import type { SessionClaims } from "@/server/auth/session-claims";
import { jsonRoute } from "@/server/http/json-route";
import { closePlatformStore, getPlatformStore } from "@/server/store/shared-store";
import type { PlatformStore } from "@/server/store/store";

/*
 * The original guest API and the one function every REST handler asks who is calling, on a real
 * SQLite store (the process-wide shared one, in a temporary DATA_DIR) and real Auth.js cookies.
 */

const secret = "integration-test-secret-0123456789abcdef";
let directory: string;
let store: PlatformStore;

// What a REST endpoint looks like: resolve the caller, then answer; errors become JSON.
const whoAmI = jsonRoute(async (request: Request) => resolveRequestUser(request));

beforeAll(async () => {
  directory = mkdtempSync(path.join(tmpdir(), "auth-rest-"));
  Object.assign(process.env, { DATA_DIR: directory, AUTH_SECRET: secret, STORE: "sqlite" });
  store = await getPlatformStore();
});

afterAll(async () => {
  await closePlatformStore();
  rmSync(directory, { recursive: true, force: true });
});

interface GuestSessionBody {
  session_id: string;
  user_id: string;
  user_type: string;
  expires_at: string;
}

async function createGuest(): Promise<GuestSessionBody> {
  const response = await createGuestRoute(new Request("http://localhost/api/auth/guest", { method: "POST" }));
  expect(response.status).toBe(200);
  return (await response.json()) as GuestSessionBody;
}

function validate(sessionId: string): Promise<Response> {
  return validateRoute(new Request(`http://localhost/api/auth/validate/${sessionId}`), { params: Promise.resolve({ sessionId }) });
}

function callWith(headers: Record<string, string>): Promise<Response> {
  return whoAmI(new Request("http://localhost/api/agents", { headers }));
}

async function sessionCookie(claims: SessionClaims, signingSecret = secret): Promise<string> {
  const name = "authjs.session-token";
  const token = await encode({ token: { ...claims, sub: claims.userId }, secret: signingSecret, salt: name });
  return `${name}=${token}`;
}

async function expiredGuestSession(): Promise<string> {
  const user = await store.createUser({ type: "guest", name: "Guest" });
  const session = await store.createGuestSession({ userId: user.id, ttlMs: 1 });
  await new Promise((resolve) => setTimeout(resolve, 20));
  return session.id;
}

async function expectUnauthorized(response: Response, message: RegExp): Promise<void> {
  expect(response.status).toBe(401);
  const body = (await response.json()) as { error: ErrorPayload };
  expect(body.error.code).toBe("unauthorized");
  expect(body.error.message).toMatch(message);
}

describe("POST /api/auth/guest", () => {
  it("creates a guest session that lasts 24 hours, in the original response shape", async () => {
    const body = await createGuest();
    expect(Object.keys(body).sort()).toEqual(["expires_at", "session_id", "user_id", "user_type"]);
    expect(body.user_type).toBe("guest");
    const hoursLeft = (Date.parse(body.expires_at) - Date.now()) / 3_600_000;
    expect(hoursLeft).toBeGreaterThan(23.9);
    expect(hoursLeft).toBeLessThanOrEqual(24);
    expect((await store.getUser(body.user_id)).type).toBe("guest");
    // The session id is the Bearer token: it must not be guessable.
    expect(body.session_id.length).toBeGreaterThanOrEqual(22);
  });
});

describe("GET /api/auth/validate/{session_id}", () => {
  it("confirms a live session", async () => {
    const guest = await createGuest();
    const response = await validate(guest.session_id);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ valid: true, user_id: guest.user_id, user_type: "guest", expires_at: guest.expires_at });
  });

  it("answers 404 { valid: false } for unknown, malformed and expired sessions", async () => {
    for (const sessionId of ["no-such-session", "bad%20id!", await expiredGuestSession()]) {
      const response = await validate(sessionId);
      expect(response.status, sessionId).toBe(404);
      expect(await response.json()).toEqual({ valid: false });
    }
  });
});

describe("resolveRequestUser", () => {
  it("accepts a guest session id as a Bearer token", async () => {
    const guest = await createGuest();
    const response = await callWith({ authorization: `Bearer ${guest.session_id}` });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      userId: guest.user_id,
      userType: "guest",
      guestSessionId: guest.session_id,
      session: { key: `guest:${guest.session_id}`, expiresAt: Date.parse(guest.expires_at) },
    });
  });

  it("refuses a request without credentials with a sentence saying what to send", async () => {
    await expectUnauthorized(await callWith({}), /Sign in first.*Authorization: Bearer <session_id>.*POST \/api\/auth\/guest/);
  });

  it("refuses garbage, unknown and expired Bearer tokens", async () => {
    await expectUnauthorized(await callWith({ authorization: "Bearer ../../etc/passwd" }), /expired or does not exist/);
    await expectUnauthorized(await callWith({ authorization: "Bearer AAAAAAAAAAAAAAAAAAAAAA" }), /expired or does not exist/);
    await expectUnauthorized(await callWith({ authorization: `Bearer ${await expiredGuestSession()}` }), /expired or does not exist/);
  });

  it("refuses other Authorization schemes instead of ignoring them", async () => {
    await expectUnauthorized(await callWith({ authorization: "Basic dXNlcjpwYXNz" }), /must be 'Bearer <session_id>'/);
  });

  it("accepts the Auth.js session cookie of a Google user", async () => {
    const person = await store.createUser({ type: "google", email: "ada@example.test", name: "Ada" });
    const response = await callWith({ cookie: await sessionCookie({ userId: person.id, userType: "google" }) });
    // A cookie minted before sign-ins carried an id names no sign-in; Auth.js always sets exp.
    expect(await response.json()).toEqual({ userId: person.id, userType: "google", session: { expiresAt: expect.any(Number) } });
  });

  it("accepts a guest's cookie only while the store still has their session", async () => {
    const guest = await createGuest();
    const cookie = await sessionCookie({ userId: guest.user_id, userType: "guest", guestSessionId: guest.session_id });
    expect((await callWith({ cookie })).status).toBe(200);

    await store.deleteGuestSession(guest.session_id);
    await expectUnauthorized(await callWith({ cookie }), /expired or does not exist/);
  });

  it("refuses a cookie that names someone else's guest session", async () => {
    const guest = await createGuest();
    const other = await createGuest();
    const cookie = await sessionCookie({ userId: other.user_id, userType: "guest", guestSessionId: guest.session_id });
    await expectUnauthorized(await callWith({ cookie }), /expired or does not exist/);
  });

  it("refuses a cookie signed with another secret", async () => {
    const person = await store.createUser({ type: "google", email: "forger@example.test" });
    const cookie = await sessionCookie({ userId: person.id, userType: "google" }, "some-other-secret-0123456789abcdefgh");
    await expectUnauthorized(await callWith({ cookie }), /session has ended/);
  });

  it("reads the secret from the environment, never generating one when AUTH_SECRET is set", () => {
    expect(getAuthConfig().secret).toBe(secret);
  });

  it("refuses a cookie-signed change sent by a page of another origin, with a sentence", async () => {
    const person = await store.createUser({ type: "google", email: "csrf@example.test" });
    const cookie = await sessionCookie({ userId: person.id, userType: "google" });
    const change = (headers: Record<string, string>, method = "POST") =>
      whoAmI(new Request("http://localhost/api/agents", { method, headers: { cookie, host: "localhost", "content-type": "text/plain", ...headers }, body: method === "GET" ? undefined : "{}" }));
    for (const [headers, method] of [
      [{ origin: "http://evil.example" }, "POST"],
      [{ origin: "null" }, "POST"],
      [{ origin: "http://localhost:4000" }, "DELETE"],
      [{ "sec-fetch-site": "same-site" }, "PUT"],
      // No page named at all: a browser always sends Origin on a change, so this is a script holding the cookie.
      [{}, "POST"],
      [{ "sec-fetch-site": "none" }, "PATCH"],
    ] as const) {
      const response = await change(headers, method);
      expect(response.status, JSON.stringify(headers)).toBe(403);
      const body = (await response.json()) as { error: ErrorPayload };
      expect(body.error).toMatchObject({ code: "forbidden", message: expect.stringMatching(/another site/) });
    }
    // The app's own pages, reads, and bearer clients are unaffected.
    expect((await change({ origin: "http://localhost" })).status).toBe(200);
    expect((await change({ "sec-fetch-site": "same-origin" })).status).toBe(200);
    expect((await change({ origin: "http://evil.example" }, "GET")).status).toBe(200);
    const guest = await createGuest();
    const bearer = await whoAmI(
      new Request("http://localhost/api/agents", { method: "POST", headers: { authorization: `Bearer ${guest.session_id}`, origin: "http://evil.example" }, body: "{}" }),
    );
    expect(bearer.status).toBe(200);
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request as httpRequest, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { encode } from "next-auth/jwt";
import { io as connectClient, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SocketData } from "@/lib/socket-events";
import { getAuthDependencies } from "@/server/auth/auth-dependencies";
import { startGuestSession } from "@/server/auth/guest-sessions";
import { createSocketAuthenticator, createSocketRequestCheck, createSocketSessionCheck } from "@/server/auth/socket-authenticator";
import { createSocketServer, type PlatformSocketServer } from "@/server/socket/socket-server";
import type { SocketEventHandlers } from "@/server/socket/socket-handlers";
import { closePlatformStore, getPlatformStore } from "@/server/store/shared-store";
import type { PlatformStore } from "@/server/store/store";

/*
 * The Socket.IO handshake on a real server and a real client: a guest session id as auth.token or
 * the Auth.js cookie gets in; anything else is refused with a connect_error that says why.
 */

const secret = "integration-test-secret-0123456789abcdef";
let directory: string;
let store: PlatformStore;
let httpServer: HttpServer;
let io: PlatformSocketServer;
let url: string;
const clients: Socket[] = [];

const unused = () => {
  throw new Error("not used in this test");
};
const handlers: SocketEventHandlers = {
  "platform:ping": (payload) => ({ serverTime: new Date().toISOString(), roundTripStartedAt: payload.sentAt, offlineDemoModel: true }),
  "conversation:send": unused,
  "conversation:stop": unused,
  "conversation:follow": unused,
  "conversation:unfollow": () => null,
};

beforeAll(async () => {
  directory = mkdtempSync(path.join(tmpdir(), "auth-socket-"));
  Object.assign(process.env, { DATA_DIR: directory, AUTH_SECRET: secret, STORE: "sqlite" });
  store = await getPlatformStore();
  httpServer = createServer();
  io = createSocketServer(httpServer, {
    authenticate: createSocketAuthenticator(getAuthDependencies),
    checkRequest: createSocketRequestCheck(getAuthDependencies),
    checkSession: createSocketSessionCheck(getAuthDependencies),
    handlers,
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await new Promise<void>((resolve) => io.close(() => resolve()));
  await closePlatformStore();
  rmSync(directory, { recursive: true, force: true });
});

type Outcome = { connected: true; socket: Socket } | { connected: false; message: string; code: unknown };

function connect(options: { auth?: Record<string, unknown>; cookie?: string; origin?: string; transport?: "websocket" | "polling" }): Promise<Outcome> {
  const socket = connectClient(url, {
    path: "/socket.io",
    transports: [options.transport ?? "websocket"],
    reconnection: false,
    auth: options.auth ?? {},
    extraHeaders: { ...(options.cookie ? { cookie: options.cookie } : {}), ...(options.origin ? { origin: options.origin } : {}) },
  });
  clients.push(socket);
  return new Promise((resolve) => {
    socket.once("connect", () => resolve({ connected: true, socket }));
    socket.once("connect_error", (error: Error & { data?: { code?: unknown } }) =>
      resolve({ connected: false, message: error.message, code: error.data?.code }),
    );
  });
}

/** A bare WebSocket upgrade request; resolves with the status line's code and any body. */
function rawUpgrade(headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}/socket.io/?EIO=4&transport=websocket`, {
      headers: { ...headers, connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" },
    });
    request.on("upgrade", (response, socket) => {
      socket.destroy();
      resolve({ status: response.statusCode ?? 0, body: "" });
    });
    request.on("response", (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString()));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on("error", reject);
    request.end();
  });
}

async function connectedUser(socket: Socket): Promise<SocketData> {
  const [serverSide] = await io.in(socket.id ?? "").fetchSockets();
  if (!serverSide) throw new Error("the server has no such socket");
  return serverSide.data;
}

describe("the Socket.IO handshake", () => {
  it("refuses a client without credentials with a connect_error that says what to send", async () => {
    const outcome = await connect({});
    expect(outcome).toMatchObject({ connected: false, code: "unauthorized" });
    expect(outcome.connected ? "" : outcome.message).toMatch(/^Sign in first/);
  });

  it("refuses garbage and unknown tokens", async () => {
    for (const token of ["", "definitely not a session", "AAAAAAAAAAAAAAAAAAAAAA"]) {
      const outcome = await connect({ auth: { token } });
      expect(outcome, token).toMatchObject({ connected: false, code: "unauthorized" });
    }
  });

  it("refuses an expired guest session", async () => {
    const user = await store.createUser({ type: "guest" });
    const session = await store.createGuestSession({ userId: user.id, ttlMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const outcome = await connect({ auth: { token: session.id } });
    expect(outcome).toMatchObject({ connected: false, code: "unauthorized" });
    expect(outcome.connected ? "" : outcome.message).toMatch(/expired or does not exist/);
  });

  it("accepts a guest session id as auth.token and knows who connected", async () => {
    const { user, session } = await startGuestSession(store);
    const outcome = await connect({ auth: { token: session.id } });
    if (!outcome.connected) throw new Error(`refused: ${outcome.message}`);
    expect(await connectedUser(outcome.socket)).toEqual({
      userId: user.id,
      userType: "guest",
      guestSessionId: session.id,
      sessionKey: `guest:${session.id}`,
      sessionExpiresAt: Date.parse(session.expiresAt),
    });

    const pong = await outcome.socket.timeout(5_000).emitWithAck("platform:ping", { sentAt: 1 });
    expect(pong).toMatchObject({ ok: true, data: { roundTripStartedAt: 1 } });
  });

  it("accepts the Auth.js session cookie a browser sends", async () => {
    const person = await store.createUser({ type: "google", email: "socket@example.test", name: "Sam" });
    const name = "authjs.session-token";
    const token = await encode({ token: { sub: person.id, userId: person.id, userType: "google", signInId: "sign-in-0001" }, secret, salt: name, maxAge: 3_600 });
    const outcome = await connect({ cookie: `${name}=${token}` });
    if (!outcome.connected) throw new Error(`refused: ${outcome.message}`);
    const data = await connectedUser(outcome.socket);
    expect(data).toMatchObject({ userId: person.id, userType: "google", sessionKey: "google:sign-in-0001" });
    expect(data.sessionExpiresAt! - Date.now()).toBeGreaterThan(3_500_000);
  });
});

describe("a socket after its session ended", () => {
  async function disconnected(socket: Socket): Promise<string> {
    if (!socket.connected) return "already";
    return new Promise((resolve) => socket.once("disconnect", (reason) => resolve(reason)));
  }

  it("is refused on its next event once the guest session is gone (signed out, expired, merged), and disconnected", async () => {
    const { session } = await startGuestSession(store);
    const outcome = await connect({ auth: { token: session.id } });
    if (!outcome.connected) throw new Error(`refused: ${outcome.message}`);
    expect(await outcome.socket.timeout(5_000).emitWithAck("platform:ping", { sentAt: 1 })).toMatchObject({ ok: true });

    await store.deleteGuestSession(session.id);
    const gone = disconnected(outcome.socket);
    const ack = await outcome.socket.timeout(5_000).emitWithAck("platform:ping", { sentAt: 2 });
    expect(ack).toEqual({ ok: false, error: { code: "unauthorized", message: "Your session has ended. Sign in again to continue." } });
    expect(await gone).toBe("io server disconnect");
  });

  it("is refused once its sign-in has lapsed, though the cookie was good at the handshake", async () => {
    const person = await store.createUser({ type: "google", email: "lapsing@example.test", name: "Lee" });
    const name = "authjs.session-token";
    const token = await encode({ token: { sub: person.id, userId: person.id, userType: "google", signInId: "sign-in-0002" }, secret, salt: name, maxAge: 2 });
    const outcome = await connect({ cookie: `${name}=${token}` });
    if (!outcome.connected) throw new Error(`refused: ${outcome.message}`);
    expect(await outcome.socket.timeout(5_000).emitWithAck("platform:ping", { sentAt: 1 })).toMatchObject({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const ack = await outcome.socket.timeout(5_000).emitWithAck("platform:ping", { sentAt: 2 });
    expect(ack).toMatchObject({ ok: false, error: { code: "unauthorized" } });
  });

  it("refuses a cookie-signed connection from another origin before it opens, over polling and WebSocket, but not a token one", async () => {
    const person = await store.createUser({ type: "google", email: "hijack@example.test" });
    const name = "authjs.session-token";
    const cookie = `${name}=${await encode({ token: { sub: person.id, userId: person.id, userType: "google" }, secret, salt: name })}`;
    for (const origin of ["http://evil.example", "null"]) {
      // The probe of issue #15: the transport's own first request, as a same-site page's browser sends it.
      const polling = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { cookie, origin } });
      expect(polling.status, `polling ${origin}`).toBe(403);
      expect(((await polling.json()) as { message: string }).message).toMatch(/another site/);
      const upgrade = await rawUpgrade({ cookie, origin });
      expect(upgrade.status, `upgrade ${origin}`).toBe(400);
      expect(upgrade.body).toMatch(/another site/);
      for (const transport of ["websocket", "polling"] as const) {
        const outcome = await connect({ cookie, origin, transport });
        expect(outcome.connected, `${transport} ${origin}`).toBe(false);
      }
      // Behind the transport check, the Socket.IO handshake refuses it too, with the sentence.
      await expect(createSocketAuthenticator(getAuthDependencies)({ headers: { cookie, origin }, auth: {} })).rejects.toMatchObject({ code: "forbidden", message: expect.stringMatching(/another site/) });
    }
    expect((await rawUpgrade({ cookie, origin: url })).status).toBe(101);
    const sameOrigin = await connect({ cookie, origin: url });
    expect(sameOrigin.connected).toBe(true);

    const { session } = await startGuestSession(store);
    const scripted = await connect({ auth: { token: session.id }, origin: "http://evil.example" });
    expect(scripted.connected).toBe(true);
  });
});

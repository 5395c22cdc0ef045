import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { io as connect, type Socket } from "socket.io-client";
import { createSocketServer, type PlatformSocketServer } from "../../server/socket/socket-server";
import type { SocketEventHandlers } from "../../server/socket/socket-handlers";
import { AppError } from "../../lib/errors";

const handlers: SocketEventHandlers = {
  "platform:ping": (payload) => ({ serverTime: new Date().toISOString(), roundTripStartedAt: payload.sentAt, offlineDemoModel: true }),
  "conversation:send": () => {
    throw new AppError("forbidden", "Not your agent.");
  },
  "conversation:stop": () => {
    throw new Error("database exploded with secret details");
  },
  "conversation:follow": () => ({ activeRunId: null, replayed: 0, lastSeq: -1 }),
  "conversation:unfollow": () => null,
};

let httpServer: HttpServer;
let io: PlatformSocketServer;
let url: string;

beforeAll(async () => {
  httpServer = createServer();
  io = createSocketServer(httpServer, {
    handlers,
    authenticate: async ({ auth }) => {
      if (auth.token !== "good") throw new AppError("unauthorized", "Sign in to continue.");
      return { userId: "user-1", userType: "guest" };
    },
  });
  await new Promise<void>((resolve) => httpServer.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => io.close(() => resolve()));
});

async function connected(token = "good"): Promise<Socket> {
  const socket = connect(url, { auth: { token }, transports: ["websocket"], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("connect_error", reject);
  });
  return socket;
}

describe("socket event gate", () => {
  it("answers a valid event through its handler", async () => {
    const socket = await connected();
    const response = await socket.emitWithAck("platform:ping", { sentAt: 42 });
    expect(response).toMatchObject({ ok: true, data: { roundTripStartedAt: 42 } });
    socket.disconnect();
  });

  it("refuses a malformed payload with a field-level error and keeps the connection", async () => {
    const socket = await connected();
    const response = await socket.emitWithAck("conversation:send", { agentId: "../etc", conversationId: "c1", text: "", clientMessageId: "m1" });
    expect(response.ok).toBe(false);
    expect(response.error.code).toBe("bad_request");
    expect(response.error.issues.map((issue: { path: string }) => issue.path).sort()).toEqual(["agentId", "text"]);
    expect(socket.connected).toBe(true);
    const again = await socket.emitWithAck("platform:ping", { sentAt: 1 });
    expect(again.ok).toBe(true);
    socket.disconnect();
  });

  it("refuses payloads that are not objects at all", async () => {
    const socket = await connected();
    for (const payload of [null, 7, "text", [1, 2], { sentAt: -1 }, { sentAt: 1, extra: true }]) {
      const response = await socket.emitWithAck("platform:ping", payload);
      expect(response).toMatchObject({ ok: false, error: { code: "bad_request" } });
    }
    expect(socket.connected).toBe(true);
    socket.disconnect();
  });

  it("answers an unknown event with an error acknowledgement and keeps the connection", async () => {
    const socket = await connected();
    const response = await socket.emitWithAck("agents:delete-everything", { all: true });
    expect(response).toEqual({ ok: false, error: { code: "unknown_event", message: 'Unknown event "agents:delete-everything".' } });
    expect(socket.connected).toBe(true);
    socket.disconnect();
  });

  it("turns a handler's AppError into its code and hides unexpected errors' details", async () => {
    const socket = await connected();
    const forbidden = await socket.emitWithAck("conversation:send", { agentId: "a1", conversationId: "c1", text: "hi", clientMessageId: "m1" });
    expect(forbidden).toEqual({ ok: false, error: { code: "forbidden", message: "Not your agent." } });
    const crashed = await socket.emitWithAck("conversation:stop", { conversationId: "c1" });
    expect(crashed.error.code).toBe("internal");
    expect(JSON.stringify(crashed)).not.toContain("secret");
    socket.disconnect();
  });

  it("refuses a handshake the authenticator rejects with a clear connect_error", async () => {
    await expect(connected("bad")).rejects.toThrow("Sign in to continue.");
  });
});

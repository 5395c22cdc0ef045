import type { IncomingMessage, Server as HttpServer } from "node:http";
import { Server } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from "../../lib/socket-events";
import { AppError } from "../../lib/errors";
import type { InterServerEvents } from "../cluster/inter-server-events";
import { onSessionEnded } from "../auth/session-end-hooks";
import { logger } from "../logger";
import { bindSocketEvents, type SocketEventHandlers } from "./socket-handlers";

export type PlatformSocketServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface SocketHandshakeInfo {
  headers: Record<string, string | string[] | undefined>;
  auth: Record<string, unknown>;
}

/**
 * Runs on the transport's first HTTP request (the polling handshake or the WebSocket upgrade),
 * before Engine.IO opens anything; throws AppError to answer 403 with its sentence.
 */
export type SocketRequestCheck = (headers: SocketHandshakeInfo["headers"]) => Promise<void>;

/** Resolves who is connecting; throws AppError("unauthorized") to refuse the handshake. */
export type SocketAuthenticator = (handshake: SocketHandshakeInfo) => Promise<SocketData>;

/** The room of every socket one sign-in opened: ending the sign-in disconnects them all. */
export function sessionRoom(sessionKey: string): string {
  return `session:${sessionKey}`;
}

export interface SocketServerOptions {
  authenticate: SocketAuthenticator;
  checkRequest?: SocketRequestCheck;
  /** Before every event: throws unauthorized once the handshake's session has ended or lapsed. */
  checkSession?: (data: SocketData) => Promise<void>;
  handlers: SocketEventHandlers;
  /** Largest accepted socket message; keeps one client from exhausting memory. */
  maxMessageBytes?: number;
}

function requestGate(check: SocketRequestCheck): (request: IncomingMessage, callback: (error: string | null | undefined, success: boolean) => void) => void {
  return (request, callback) => {
    check(request.headers).then(
      () => callback(null, true),
      (error: unknown) => {
        if (!(error instanceof AppError)) logger.error({ err: error }, "socket request check failed");
        // Engine.IO answers a polling handshake 403 with {"code":4,"message":<this>}, an upgrade 400 with it as the body.
        callback(error instanceof AppError ? error.message : "Could not verify where this connection comes from.", false);
      },
    );
  };
}

export function createSocketServer(httpServer: HttpServer, options: SocketServerOptions): PlatformSocketServer {
  const io: PlatformSocketServer = new Server(httpServer, {
    path: "/socket.io",
    maxHttpBufferSize: options.maxMessageBytes ?? 1_000_000,
    // Lets a client that briefly lost its connection get back its rooms and missed packets.
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
    serveClient: false,
    ...(options.checkRequest ? { allowRequest: requestGate(options.checkRequest) } : {}),
  });

  io.use((socket, next) => {
    options
      .authenticate({ headers: socket.handshake.headers, auth: socket.handshake.auth as Record<string, unknown> })
      .then((data) => {
        socket.data = data;
        next();
      })
      .catch((error: unknown) => {
        const message = error instanceof AppError ? error.message : "Could not verify your session.";
        if (!(error instanceof AppError)) logger.error({ err: error }, "socket authentication failed");
        next(Object.assign(new Error(message), { data: { code: error instanceof AppError ? error.code : "internal" } }));
      });
  });

  // A sign-in that ended (sign-out, a guest merged into an account) takes its sockets with it, on
  // every replica: with the Redis adapter, disconnectSockets reaches them all.
  const stopEndingSessions = onSessionEnded((sessionKey) => {
    io.in(sessionRoom(sessionKey)).disconnectSockets(true);
  });
  httpServer.once("close", stopEndingSessions);

  io.on("connection", (socket) => {
    logger.debug({ socketId: socket.id, userId: socket.data.userId }, "socket connected");
    void socket.join(`user:${socket.data.userId}`);
    if (socket.data.sessionKey) void socket.join(sessionRoom(socket.data.sessionKey));
    bindSocketEvents(socket, options.handlers, options.checkSession);
    socket.on("disconnect", (reason) => {
      logger.debug({ socketId: socket.id, reason }, "socket disconnected");
    });
  });

  return io;
}

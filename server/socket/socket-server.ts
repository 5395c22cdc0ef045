import type { Server as HttpServer } from "node:http";
import { Server } from "socket.io";
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from "../../lib/socket-events";
import { AppError } from "../../lib/errors";
import type { InterServerEvents } from "../cluster/inter-server-events";
import { logger } from "../logger";
import { bindSocketEvents, type SocketEventHandlers } from "./socket-handlers";

export type PlatformSocketServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface SocketHandshakeInfo {
  headers: Record<string, string | string[] | undefined>;
  auth: Record<string, unknown>;
}

/** Resolves who is connecting; throws AppError("unauthorized") to refuse the handshake. */
export type SocketAuthenticator = (handshake: SocketHandshakeInfo) => Promise<SocketData>;

export interface SocketServerOptions {
  authenticate: SocketAuthenticator;
  handlers: SocketEventHandlers;
  /** Largest accepted socket message; keeps one client from exhausting memory. */
  maxMessageBytes?: number;
}

export function createSocketServer(httpServer: HttpServer, options: SocketServerOptions): PlatformSocketServer {
  const io: PlatformSocketServer = new Server(httpServer, {
    path: "/socket.io",
    maxHttpBufferSize: options.maxMessageBytes ?? 1_000_000,
    // Lets a client that briefly lost its connection get back its rooms and missed packets.
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
    serveClient: false,
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

  io.on("connection", (socket) => {
    logger.debug({ socketId: socket.id, userId: socket.data.userId }, "socket connected");
    void socket.join(`user:${socket.data.userId}`);
    bindSocketEvents(socket, options.handlers);
    socket.on("disconnect", (reason) => {
      logger.debug({ socketId: socket.id, reason }, "socket disconnected");
    });
  });

  return io;
}

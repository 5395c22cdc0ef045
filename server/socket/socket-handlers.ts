import type { Socket } from "socket.io";
import type { ZodError } from "zod";
import { clientEventSchemas, type Ack, type ClientEventName, type ClientToServerEvents, type ParsedClientEventPayload, type ServerToClientEvents, type SocketData } from "../../lib/socket-events";
import { AppError, toErrorPayload } from "../../lib/errors";
import { checkPayload, payloadProblemMessage } from "../../lib/well-formed-text";
import { logger } from "../logger";

export type PlatformSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

type AckDataOf<E extends ClientEventName> = Parameters<ClientToServerEvents[E]>[1] extends (response: Ack<infer T>) => void ? T : never;

export type SocketEventHandler<E extends ClientEventName> = (
  payload: ParsedClientEventPayload<E>,
  socket: PlatformSocket,
) => Promise<AckDataOf<E>> | AckDataOf<E>;

export type SocketEventHandlers = { [E in ClientEventName]: SocketEventHandler<E> };

function zodIssues(error: ZodError) {
  return error.issues.map((issue) => ({ path: issue.path.join(".") || "(payload)", message: issue.message }));
}

function describeIssues(error: ZodError): string {
  return zodIssues(error)
    .map((issue) => `${issue.path} ${issue.message}`)
    .join("; ");
}

/** Socket.IO passes the acknowledgement as the last argument when the client asked for one. */
/** A socket whose sign-in has ended hears why, once, and is disconnected: it never acts for them again. */
async function sessionHolds(socket: PlatformSocket, checkSession: (data: PlatformSocket["data"]) => Promise<void>, ack: (response: Ack<unknown>) => void): Promise<boolean> {
  try {
    await checkSession(socket.data);
    return true;
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== "unauthorized") throw error;
    ack({ ok: false, error: error.toPayload() });
    socket.disconnect(true);
    return false;
  }
}

function splitAck(args: unknown[]): { payload: unknown; ack: (response: Ack<unknown>) => void } {
  const last = args.at(-1);
  if (typeof last === "function") {
    return { payload: args.length > 1 ? args[0] : undefined, ack: last as (response: Ack<unknown>) => void };
  }
  return { payload: args[0], ack: () => undefined };
}

/**
 * Binds every declared client event to its handler behind one gate: the payload is validated with
 * its schema, thrown errors become error acknowledgements, and nothing a client sends can crash
 * the connection. Unknown event names get an error acknowledgement too.
 */
export function bindSocketEvents(socket: PlatformSocket, handlers: SocketEventHandlers, checkSession?: (data: PlatformSocket["data"]) => Promise<void>): void {
  const eventNames = Object.keys(clientEventSchemas) as ClientEventName[];
  for (const eventName of eventNames) {
    const schema = clientEventSchemas[eventName];
    const handler = handlers[eventName] as SocketEventHandler<ClientEventName>;
    // Typed as a plain listener: the gate below is what enforces the payload's shape.
    (socket as unknown as Socket).on(eventName, async (...args: unknown[]) => {
      const { payload, ack } = splitAck(args);
      // Everything, the payload checks included, inside one boundary: an event never goes unanswered.
      try {
        const problem = checkPayload(payload);
        if (problem) {
          ack({ ok: false, error: new AppError("bad_request", payloadProblemMessage(problem)).toPayload() });
          return;
        }
        if (checkSession && !(await sessionHolds(socket, checkSession, ack))) return;
        const parsed = schema.safeParse(payload);
        if (!parsed.success) {
          ack({
            ok: false,
            error: new AppError("bad_request", `Invalid ${eventName} payload: ${describeIssues(parsed.error)}`, {
              issues: zodIssues(parsed.error),
            }).toPayload(),
          });
          return;
        }
        const data = await handler(parsed.data as never, socket);
        ack({ ok: true, data });
      } catch (error) {
        if (!(error instanceof AppError)) {
          logger.error({ err: error, event: eventName, userId: socket.data.userId }, "socket handler failed");
        }
        ack({ ok: false, error: toErrorPayload(error) });
      }
    });
  }

  socket.onAny((eventName: string, ...args: unknown[]) => {
    if (eventName in clientEventSchemas) return;
    const { ack } = splitAck(args);
    ack({ ok: false, error: { code: "unknown_event", message: `Unknown event "${eventName}".` } });
  });
}

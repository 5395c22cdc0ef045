import { z } from "zod";
import type { AgentEvent } from "./agent-events";
import type { ErrorPayload } from "./errors";
import type { Notification } from "./records";

/**
 * Every Socket.IO event, declared once: the server and the browser both import these types, and
 * the server validates each inbound payload with the schema beside it. Event names say their
 * direction's subject: `platform:*` for the connection, `conversation:*` for chat.
 */

export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorPayload };
export type AckCallback<T> = (response: Ack<T>) => void;

const id = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, "may contain only letters, digits, '-' and '_'");

export const clientEventSchemas = {
  "platform:ping": z.object({ sentAt: z.number().int().nonnegative() }).strict(),
  "conversation:send": z
    .object({
      agentId: id,
      conversationId: id,
      text: z.string().trim().min(1, "must not be empty").max(100_000, "is longer than 100,000 characters"),
      clientMessageId: id,
    })
    .strict(),
  "conversation:stop": z.object({ conversationId: id }).strict(),
  "conversation:follow": z
    .object({ conversationId: id, afterSeq: z.number().int().min(-1).default(-1) })
    .strict(),
  "conversation:unfollow": z.object({ conversationId: id }).strict(),
} as const;

export type ClientEventName = keyof typeof clientEventSchemas;
export type ClientEventPayload<E extends ClientEventName> = z.input<(typeof clientEventSchemas)[E]>;
export type ParsedClientEventPayload<E extends ClientEventName> = z.output<(typeof clientEventSchemas)[E]>;

export interface PongData {
  serverTime: string;
  roundTripStartedAt: number;
  offlineDemoModel: boolean;
}

export interface SendAckData {
  runId: string;
  /** Where this run's events start, so a client can tell replayed events from new ones. */
  firstSeq: number;
  /** True when this clientMessageId had been sent already: nothing was stored or run again. */
  duplicate: boolean;
}

export interface FollowAckData {
  /** The run in progress, if any, so a reload mid-run shows it still going. */
  activeRunId: string | null;
  replayed: number;
  /** The newest sequence number the server has for this conversation (-1 when none). */
  lastSeq: number;
}

export interface ClientToServerEvents {
  "platform:ping": (payload: ClientEventPayload<"platform:ping">, ack: AckCallback<PongData>) => void;
  "conversation:send": (payload: ClientEventPayload<"conversation:send">, ack: AckCallback<SendAckData>) => void;
  "conversation:stop": (payload: ClientEventPayload<"conversation:stop">, ack: AckCallback<{ stopped: boolean }>) => void;
  "conversation:follow": (payload: ClientEventPayload<"conversation:follow">, ack: AckCallback<FollowAckData>) => void;
  "conversation:unfollow": (payload: ClientEventPayload<"conversation:unfollow">, ack: AckCallback<null>) => void;
}

export interface RunEventEnvelope {
  conversationId: string;
  runId: string;
  /** Monotonic per conversation: lets a reconnecting client ask for exactly what it missed. */
  seq: number;
  at: string;
  event: AgentEvent | RunLifecycleEvent;
}

export type RunLifecycleEvent =
  | { type: "run_started"; prompt: string; clientMessageId: string; userMessageId: string; assistantMessageId: string }
  | {
      type: "run_finished";
      status: "complete" | "interrupted" | "failed";
      /** Images the agent wrote during the run, relative to its directory. */
      images?: { path: string; mimeType: string }[];
      error?: { code: string; message: string };
    }
  /** Every CLI slot on the host is taken: the run waits its turn (position 1 = next); re-sent when the position changes. */
  | { type: "run_queued"; position: number; message: string }
  /** The user's workspace was stopped (idle) or is new: it is being started before the run can begin. */
  | { type: "workspace_starting"; message: string };

/** What a run hears while it waits to begin. */
export type RunWaitEvent = Extract<RunLifecycleEvent, { type: "run_queued" | "workspace_starting" }>;

export interface ServerNotice {
  kind: "shutting_down" | "info" | "warning";
  message: string;
}

export interface ServerToClientEvents {
  "conversation:event": (envelope: RunEventEnvelope) => void;
  "platform:notice": (notice: ServerNotice) => void;
  /** A new in-app notification (a run finished or failed), sent to every tab of its person (room user:{id}). */
  "notification:new": (notification: Notification) => void;
}

export interface SocketData {
  userId: string;
  userType: "guest" | "google";
  /** The guest session the handshake proved; re-checked before every event. */
  guestSessionId?: string;
  /** The sign-in the socket belongs to (server/auth/session-end-hooks.ts): its end disconnects the socket. */
  sessionKey?: string;
  /** When the sign-in lapses (ms since 1970); events after it are refused. */
  sessionExpiresAt?: number;
}

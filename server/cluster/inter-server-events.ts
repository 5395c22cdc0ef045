import { z } from "zod";
import { clientEventSchemas, type RunEventEnvelope, type SendAckData } from "../../lib/socket-events";
import type { ErrorPayload } from "../../lib/errors";

/**
 * What servers ask each other through the Socket.IO adapter (serverSideEmit): a message or a stop
 * for a conversation whose home is another server goes to that server, which runs it. Every
 * server answers every request (the asker learns who is alive from who answered); only the
 * addressee acts.
 */
export const conversationRequestSchema = z.discriminatedUnion("op", [
  z.object({ op: z.literal("send"), to: z.string().min(1), userId: z.string().min(1), input: clientEventSchemas["conversation:send"] }),
  z.object({ op: z.literal("stop"), to: z.string().min(1), userId: z.string().min(1), conversationId: z.string().min(1) }),
]);
export type ConversationRequest = z.infer<typeof conversationRequestSchema>;

export type ConversationAnswer =
  | { from: string; handled: false }
  | { from: string; handled: true; sent?: SendAckData; stopped?: boolean; error?: ErrorPayload };

export interface InterServerEvents {
  "conversation:request": (request: ConversationRequest, answer: (answer: ConversationAnswer) => void) => void;
  /** A run event for the followers connected to the other servers (see cluster.ts, publishRunEvent). */
  "conversation:event": (envelope: RunEventEnvelope) => void;
}

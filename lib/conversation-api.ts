import { z } from "zod";
import { clientEventSchemas } from "./socket-events";

/** REST bodies for conversations; the send body is the socket event's, so both paths accept the same input. */
export const createConversationBodySchema = z.object({ title: z.string().trim().max(200).default("") }).strict();
export const renameConversationBodySchema = z.object({ title: z.string().trim().min(1, "must not be empty").max(200) }).strict();
export const sendMessageBodySchema = clientEventSchemas["conversation:send"].omit({ conversationId: true, agentId: true });
export const messagePageQuerySchema = z.object({
  afterSeq: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});
/** `?q=` on an agent's conversations: only those whose title or words contain it. */
export const conversationSearchQuerySchema = z.object({ q: z.string().trim().max(200, "is longer than 200 characters").optional() });

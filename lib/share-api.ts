import { z } from "zod";
import type { AgentSummary } from "./agent-api";
import { agentVisibilitySchema, recordIdSchema, type AgentConfig, type AgentVisibility, type Message } from "./records";

/**
 * The REST bodies and answers of sharing: /api/agents/{id}/share (the owner's controls) and
 * /api/share/{token} (what anyone with the link sees, and "Use this agent"). Declared once for the
 * route handlers, the share page and the share dialog.
 */

/**
 * `sharedConversationId`: omitted keeps the current choice, null shows no transcript.
 * `pinnedVersion`: the version the link shows and copies (one the agent has); null follows the
 * latest; omitted keeps the current choice.
 */
export const updateSharingBodySchema = z
  .object({
    visibility: agentVisibilitySchema,
    sharedConversationId: recordIdSchema.nullable().optional(),
    pinnedVersion: z.number().int().positive().nullable().optional(),
    expectedVersion: z.number().int().positive(),
  })
  .strict();
export type UpdateSharingBody = z.input<typeof updateSharingBodySchema>;

export interface SharingResponse {
  agent: AgentSummary;
  /** The link to hand out while shared; null while private. */
  shareUrl: string | null;
}

/**
 * A stored message as a visitor sees it: no cost, no error details, no attachments. Images keep
 * their path inside the agent's folder, which the share link's image route serves.
 */
export type SharedMessage = Pick<Message, "id" | "seq" | "role" | "content" | "status" | "createdAt">;

export interface SharedTranscript {
  title: string;
  messages: SharedMessage[];
  /** True when the conversation is longer than a share page shows. */
  truncated: boolean;
}

/**
 * Everything the share page shows; deliberately nothing that names the owner or their other work,
 * and no schedules (their prompts and webhook addresses are the owner's business).
 */
export interface SharedAgent extends Omit<AgentConfig, "schedules"> {
  visibility: Exclude<AgentVisibility, "private">;
  /** The version shown when the owner pinned one; null when the link follows the latest. */
  pinnedVersion: number | null;
  transcript: SharedTranscript | null;
}

export interface SharedAgentResponse {
  shared: SharedAgent;
}

export interface UseSharedAgentResponse {
  agent: AgentSummary;
}

/**
 * GET /api/share/{token}/files/content?path=…: one image of the shared conversation. The path is
 * checked again on the server like any path into an agent's folder (no "..", nothing outside it).
 */
export const sharedFileRequestSchema = z
  .object({
    token: recordIdSchema,
    path: z.string().min(1).max(4096),
  })
  .strict();
export type SharedFileRequest = z.infer<typeof sharedFileRequestSchema>;

export function sharePath(shareToken: string): string {
  return `/share/${encodeURIComponent(shareToken)}`;
}

export { visibilityChoices } from "./agent-choices";

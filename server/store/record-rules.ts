import { randomBytes, randomUUID } from "node:crypto";
import type { z } from "zod";
import { AppError } from "../../lib/errors";
import {
  agentPatchSchema,
  agentSchema,
  agentVersionSchema,
  conversationPatchSchema,
  conversationSchema,
  guestSessionSchema,
  maxMessageContentBytes,
  messagePatchSchema,
  messageSchema,
  newAgentSchema,
  newAgentVersionSchema,
  newConversationSchema,
  newGuestSessionSchema,
  newMessageSchema,
  newNotificationSchema,
  newRunSchema,
  newScheduleFireSchema,
  newUserSchema,
  notificationSchema,
  recordIdSchema,
  runPatchSchema,
  runSchema,
  runWebhookDeliverySchema,
  scheduleFireId,
  scheduleFirePatchSchema,
  scheduleFireSchema,
  userPatchSchema,
  userSchema,
  type Agent,
  type AgentVersion,
  type Conversation,
  type GuestSession,
  type Message,
  type Notification,
  type Run,
  type ScheduleFire,
  type User,
} from "../../lib/records";
import type { ListOptions, MessagePage } from "./store";

/**
 * How records are made and changed, shared by both adapters so SQLite and Firestore cannot drift:
 * an adapter reads the current record, calls one of these, and writes the result as a whole.
 * Everything here throws before the adapter writes, which is what keeps failed updates harmless.
 */

/** 128 random bits, URL-safe: ids appear in links, so they must not be guessable. */
export function newId(): string {
  return randomBytes(16).toString("base64url");
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return withoutUndefined(parsed.data);
  const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
  const first = issues[0];
  const summary = first ? `${first.path || what} ${first.message}` : "is invalid";
  throw new AppError("bad_request", `Invalid ${what}: ${summary}`, { issues });
}

// `{ name: undefined }` in a patch means "not given": spreading it would erase the stored value.
function withoutUndefined<T>(value: T): T {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

/** A record about to be written must match its schema; failing here means a bug in this file. */
function checked<S extends z.ZodType>(schema: S, record: z.input<S>): z.output<S> {
  const parsed = schema.safeParse(record);
  if (!parsed.success) throw new AppError("internal", `Refusing to store an invalid record: ${parsed.error.message}`);
  return parsed.data;
}

export function notFound(what: string, id: string | number): AppError {
  return new AppError("not_found", `${what} ${id} was not found.`);
}

export function pageLimit(options: ListOptions | undefined): number {
  const limit = options?.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
    throw new AppError("bad_request", "limit must be a whole number from 1 to 500", {
      issues: [{ path: "limit", message: "must be a whole number from 1 to 500" }],
    });
  }
  return limit;
}

export function messagePage(options: MessagePage | undefined): { afterSeq: number; limit: number } {
  const afterSeq = options?.afterSeq ?? 0;
  if (!Number.isInteger(afterSeq) || afterSeq < 0) {
    throw new AppError("bad_request", "afterSeq must be a whole number of at least 0", {
      issues: [{ path: "afterSeq", message: "must be a whole number of at least 0" }],
    });
  }
  return { afterSeq, limit: pageLimit(options) };
}

// ── Users and guests ─────────────────────────────────────────────────────────────────────────────

export function buildUser(input: unknown, now: Date): User {
  const data = parseInput(newUserSchema, input, "user");
  const id = data.type === "guest" ? guestUserId(now) : newId();
  return checked(userSchema, { ...data, id, createdAt: now.toISOString() });
}

/** The original platform's guest ids (guest-YYYYMMDD-…), with enough randomness to stay unguessable. */
export function guestUserId(now: Date): string {
  const day = now.toISOString().slice(0, 10).replace(/-/g, "");
  return `guest-${day}-${randomBytes(9).toString("base64url")}`;
}

export function applyUserPatch(user: User, patch: unknown): User {
  const data = parseInput(userPatchSchema, patch, "user");
  return checked(userSchema, { ...user, ...data });
}

export function duplicateEmail(email: string): AppError {
  return new AppError("conflict", `Another account already uses ${email}.`);
}

/**
 * Decides whether merging is needed: false when this exact merge already happened (a retried
 * sign-in), true when it should run; throws when it must not.
 */
export function mergeIsNeeded(from: User, to: User): boolean {
  if (from.id === to.id) throw new AppError("bad_request", "A user cannot be merged into itself.");
  if (from.type !== "guest") throw new AppError("bad_request", "Only a guest can be merged into another user.");
  if (to.mergedInto) throw new AppError("bad_request", "Cannot merge into a user that was itself merged away.");
  if (from.mergedInto === to.id) return false;
  if (from.mergedInto) throw new AppError("conflict", "This guest was already merged into another user.");
  return true;
}

export function parseNewGuestSession(input: unknown) {
  return parseInput(newGuestSessionSchema, input, "guest session");
}

export function buildGuestSession(data: ReturnType<typeof parseNewGuestSession>, user: User, now: Date): GuestSession {
  if (user.type !== "guest" || user.mergedInto) {
    throw new AppError("bad_request", "Guest sessions are only for guest users that were not merged.");
  }
  return checked(guestSessionSchema, {
    id: newId(),
    userId: user.id,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + data.ttlMs).toISOString(),
  });
}

export function isExpired(session: GuestSession, now: Date): boolean {
  return Date.parse(session.expiresAt) <= now.getTime();
}

// ── Agents ───────────────────────────────────────────────────────────────────────────────────────

export function buildAgent(input: unknown, now: Date): Agent {
  const data = parseInput(newAgentSchema, input, "agent");
  const at = now.toISOString();
  return checked(agentSchema, {
    ...data,
    id: newId(),
    shareToken: data.visibility === "private" ? undefined : newId(),
    createdAt: at,
    updatedAt: at,
    lastActivityAt: at,
    version: 1,
  });
}

export function applyAgentPatch(agent: Agent, patch: unknown, expectedVersion: number, now: Date): Agent {
  const data = parseInput(agentPatchSchema, patch, "agent");
  if (!Number.isInteger(expectedVersion) || expectedVersion < 1) {
    throw new AppError("bad_request", "expectedVersion must be a positive whole number.");
  }
  if (agent.version !== expectedVersion) {
    throw new AppError(
      "conflict",
      `This agent was changed elsewhere (now version ${agent.version}, your edit is from version ${expectedVersion}). Reload it and apply your edit again.`,
    );
  }
  const { sharedConversationId, sharedVersion, webhookSecret, ...fields } = data;
  const next: Agent = { ...agent, ...fields };
  setOrClear(next, "sharedConversationId", sharedConversationId);
  setOrClear(next, "sharedVersion", sharedVersion);
  setOrClear(next, "webhookSecret", webhookSecret);
  // Re-sharing is a fresh decision: a new link, and no transcript or pin until chosen again.
  if (next.visibility === "private") {
    delete next.shareToken;
    delete next.sharedConversationId;
    delete next.sharedVersion;
  } else next.shareToken ??= newId();
  const compared = [
    "name",
    "description",
    "instructions",
    "model",
    "visibility",
    "shareToken",
    "sharedConversationId",
    "sharedVersion",
    "webhookSecret",
  ] as const;
  const sameSchedules = JSON.stringify(next.schedules) === JSON.stringify(agent.schedules);
  if (sameSchedules && compared.every((key) => next[key] === agent[key])) return agent;
  const at = now.toISOString();
  return checked(agentSchema, { ...next, version: agent.version + 1, updatedAt: at, lastActivityAt: at });
}

/** In a patch, undefined leaves a field as it is and null removes it. */
function setOrClear<K extends "sharedConversationId" | "sharedVersion" | "webhookSecret">(
  agent: Agent,
  key: K,
  value: Agent[K] | null | undefined,
): void {
  if (value === null) delete agent[key];
  else if (value !== undefined) agent[key] = value;
}

/** The derived, indexed field behind listAgentsWithEnabledSchedules: written with every agent. */
export function hasEnabledSchedules(agent: Pick<Agent, "schedules">): boolean {
  return agent.schedules.some((schedule) => schedule.enabled);
}

export function parseAfterId(afterId: string | undefined): string | undefined {
  if (afterId === undefined || recordIdSchema.safeParse(afterId).success) return afterId;
  throw new AppError("bad_request", "afterId must be an agent id", { issues: [{ path: "afterId", message: "must be an agent id" }] });
}

export function buildAgentVersion(input: unknown, now: Date): AgentVersion {
  const data = parseInput(newAgentVersionSchema, input, "agent version");
  return checked(agentVersionSchema, { ...data, createdAt: now.toISOString() });
}

export function duplicateAgentVersion(agentId: string, version: number): AppError {
  return new AppError("conflict", `Version ${version} of agent ${agentId} is already recorded.`);
}

// ── Conversations and messages ───────────────────────────────────────────────────────────────────

export function buildConversation(input: unknown, now: Date): Conversation {
  const data = parseInput(newConversationSchema, input, "conversation");
  const at = now.toISOString();
  return checked(conversationSchema, {
    ...data,
    id: newId(),
    // The CLI accepts a caller-chosen --session-id (a UUID), so the transcript id is known up front.
    claudeSessionId: data.claudeSessionId ?? randomUUID(),
    status: "idle",
    lastSeq: 0,
    createdAt: at,
    updatedAt: at,
  });
}

/** How many of one person's newest conversations with an agent a search looks through. */
export const searchedConversations = 200;

/** Lower-cased and trimmed; what a search compares against lower-cased titles and words. */
export function searchNeedle(text: string): string {
  return text.trim().toLowerCase();
}

/** A title or a message's words (not its steps or their output) contain the needle. */
export function conversationMatches(conversation: Conversation, messages: readonly Message[], needle: string): boolean {
  if (conversation.title.toLowerCase().includes(needle)) return true;
  return messages.some((message) => message.content.some((block) => block.type === "text" && block.text.toLowerCase().includes(needle)));
}

export function applyConversationPatch(conversation: Conversation, patch: unknown, now: Date): Conversation {
  const data = parseInput(conversationPatchSchema, patch, "conversation");
  return checked(conversationSchema, { ...conversation, ...data, updatedAt: now.toISOString() });
}

/** Validates a new message before the adapter allocates its seq inside a transaction. */
export function parseNewMessage(input: unknown) {
  const data = parseInput(newMessageSchema, input, "message");
  assertContentFits(data.content);
  return data;
}

export function buildMessage(data: ReturnType<typeof parseNewMessage>, seq: number, now: Date): Message {
  const at = now.toISOString();
  return checked(messageSchema, { ...data, id: newId(), seq, createdAt: at, updatedAt: at });
}

export function applyMessagePatch(message: Message, patch: unknown, now: Date): Message {
  const data = parseInput(messagePatchSchema, patch, "message");
  if (message.status !== "streaming") {
    throw new AppError("conflict", `Message ${message.id} is ${message.status} and can no longer change.`);
  }
  if (data.content) assertContentFits(data.content);
  return checked(messageSchema, { ...message, ...data, updatedAt: now.toISOString() });
}

function assertContentFits(content: unknown[]): void {
  const bytes = Buffer.byteLength(JSON.stringify(content));
  if (bytes > maxMessageContentBytes) {
    throw new AppError("payload_too_large", `Message content is ${bytes} bytes; the limit is ${maxMessageContentBytes}.`);
  }
}

/** An appended message moves its conversation to the top of the list and extends its seq. */
export function conversationAfterAppend(conversation: Conversation, message: Message): Conversation {
  return { ...conversation, lastSeq: message.seq, updatedAt: message.createdAt };
}

// ── Runs ─────────────────────────────────────────────────────────────────────────────────────────

export function buildRun(input: unknown, now: Date): Run {
  const data = parseInput(newRunSchema, input, "run");
  return checked(runSchema, { ...data, id: newId(), status: "running", startedAt: now.toISOString() });
}

export function applyRunPatch(run: Run, patch: unknown, now: Date): Run {
  const data = parseInput(runPatchSchema, patch, "run");
  if (run.status !== "running") {
    throw new AppError("conflict", `Run ${run.id} already ended (${run.status}).`);
  }
  const next: Run = { ...run, ...data };
  if (next.status !== "running") {
    next.finishedAt ??= now.toISOString();
    next.durationMs ??= Math.max(0, Date.parse(next.finishedAt) - Date.parse(run.startedAt));
  }
  return checked(runSchema, next);
}

/** The webhook's outcome replaces any earlier one: a run has one delivery, its last word counts. */
export function applyRunWebhook(run: Run, delivery: unknown): Run {
  return checked(runSchema, { ...run, webhook: parseInput(runWebhookDeliverySchema, delivery, "webhook delivery") });
}

// ── Schedule fires ───────────────────────────────────────────────────────────────────────────────

/** The fire a claim would create; its id comes from (agent, schedule, slot), which is what makes it a lease. */
export function buildScheduleFire(input: unknown, now: Date): ScheduleFire {
  const data = parseInput(newScheduleFireSchema, input, "schedule fire");
  const at = now.toISOString();
  const fire: ScheduleFire = {
    ...data,
    slot: new Date(data.slot).toISOString(),
    id: scheduleFireId(data.agentId, data.scheduleId, data.slot),
    claimedAt: at,
  };
  if (data.status === "skipped") fire.finishedAt = at;
  return checked(scheduleFireSchema, fire);
}

const finalFireStatuses: readonly ScheduleFire["status"][] = ["complete", "interrupted", "failed", "skipped"];

export function applyScheduleFirePatch(fire: ScheduleFire, patch: unknown, now: Date): ScheduleFire {
  const data = parseInput(scheduleFirePatchSchema, patch, "schedule fire");
  if (finalFireStatuses.includes(fire.status)) {
    throw new AppError("conflict", `Schedule fire ${fire.id} already ended (${fire.status}).`);
  }
  const next: ScheduleFire = { ...fire, ...data };
  if (finalFireStatuses.includes(next.status)) next.finishedAt ??= now.toISOString();
  return checked(scheduleFireSchema, next);
}

// ── Notifications ────────────────────────────────────────────────────────────────────────────────

export function buildNotification(input: unknown, now: Date): Notification {
  const data = parseInput(newNotificationSchema, input, "notification");
  return checked(notificationSchema, { ...data, id: newId(), createdAt: now.toISOString() });
}

const notificationIdsSchema = recordIdSchema.array().max(500, "may name at most 500 notifications");

/** Ids to mark read: undefined means all of them; anything that is not an id list is bad input. */
export function parseNotificationIds(ids: unknown): string[] | undefined {
  if (ids === undefined) return undefined;
  return parseInput(notificationIdsSchema, ids, "notification ids");
}

import { z } from "zod";
import { tokenUsageSchema } from "./agent-events";

/**
 * Every record the platform stores, as one zod schema and its inferred type. Both store adapters
 * (SQLite and Firestore) validate what they write against these, and REST/socket code imports the
 * same types, so a record has one shape everywhere. Timestamps are ISO-8601 UTC strings: they sort
 * as text in both databases and cross the wire unchanged.
 */

export const recordIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9_-]+$/, "may contain only letters, digits, '-' and '_'");

const timestampSchema = z.iso.datetime();
const shortText = (max: number) => z.string().trim().max(max, `is longer than ${max} characters`);
const requiredText = (max: number) => shortText(max).min(1, "must not be empty");

/** A failure kept on a record so the UI can say what went wrong long after it happened. */
export const recordErrorSchema = z.object({ code: z.string().min(1).max(100), message: z.string().max(10_000) });
export type RecordError = z.infer<typeof recordErrorSchema>;

// ── Users ────────────────────────────────────────────────────────────────────────────────────────

export const userTypeSchema = z.enum(["guest", "google"]);
export type UserType = z.infer<typeof userTypeSchema>;

// Lower-cased so one person signing in as Ada@… and ada@… stays one account.
const emailSchema = z.email().max(320).transform((email) => email.toLowerCase());

export const userSchema = z.object({
  id: recordIdSchema,
  type: userTypeSchema,
  email: emailSchema.optional(),
  name: shortText(200).optional(),
  image: z.url().max(2_000).optional(),
  createdAt: timestampSchema,
  /** Set on a guest once its agents and conversations moved to this signed-in user. */
  mergedInto: recordIdSchema.optional(),
});
export type User = z.infer<typeof userSchema>;

export const newUserSchema = userSchema.pick({ type: true, email: true, name: true, image: true }).strict();
export type NewUser = z.input<typeof newUserSchema>;

export const userPatchSchema = userSchema.pick({ email: true, name: true, image: true }).partial().strict();
export type UserPatch = z.input<typeof userPatchSchema>;

// ── Guest sessions ───────────────────────────────────────────────────────────────────────────────

/** The server side of a guest's cookie: its id is the session id the cookie carries. */
export const guestSessionSchema = z.object({
  id: recordIdSchema,
  userId: recordIdSchema,
  createdAt: timestampSchema,
  expiresAt: timestampSchema,
});
export type GuestSession = z.infer<typeof guestSessionSchema>;

export const newGuestSessionSchema = z
  .object({
    userId: recordIdSchema,
    ttlMs: z.number().int().positive().max(366 * 24 * 60 * 60 * 1000),
  })
  .strict();
export type NewGuestSession = z.input<typeof newGuestSessionSchema>;

// ── Agents ───────────────────────────────────────────────────────────────────────────────────────

export const agentVisibilitySchema = z.enum(["private", "link", "public"]);
export type AgentVisibility = z.infer<typeof agentVisibilitySchema>;

// ── Schedules ────────────────────────────────────────────────────────────────────────────────────

/** Five fields (minute hour day-of-month month day-of-week); the server parses it fully. */
export const cronExpressionSchema = z
  .string()
  .trim()
  .max(200, "is longer than 200 characters")
  .refine((cron) => cron.split(/\s+/).filter(Boolean).length === 5, {
    message: "must have 5 fields: minute hour day-of-month month day-of-week (for example 0 9 * * 1-5)",
  });

export const missedRunPolicySchema = z.enum(["skip", "catch_up_once"]);
export type MissedRunPolicy = z.infer<typeof missedRunPolicySchema>;

const webhookUrlSchema = z
  .url({ protocol: /^https?$/, error: "must be an http:// or https:// address" })
  .max(2_000, "is longer than 2,000 characters");

/** A prompt the agent runs by itself at the times a cron expression names, in the owner's time zone. */
export const scheduleSchema = z.object({
  id: recordIdSchema,
  cron: cronExpressionSchema,
  /** IANA name, e.g. Europe/Paris; the server checks that it exists. */
  timezone: z.string().trim().min(1, "must not be empty").max(100, "is longer than 100 characters"),
  prompt: z.string().trim().min(1, "must not be empty").max(10_000, "is longer than 10,000 characters"),
  enabled: z.boolean(),
  /** What to do about runs missed while no server was up: skip them, or run once for the latest. */
  missedRunPolicy: missedRunPolicySchema,
  /** Gets a signed POST when a run ends. */
  webhookUrl: webhookUrlSchema.optional(),
});
export type Schedule = z.infer<typeof scheduleSchema>;

/** A schedule as an edit sends it: a new one has no id yet (the server gives it one). */
export const scheduleInputSchema = scheduleSchema.extend({ id: recordIdSchema.optional() }).strict();
export type ScheduleInput = z.input<typeof scheduleInputSchema>;

export const maxSchedulesPerAgent = 10;

const schedulesSchema = z.array(scheduleSchema).max(maxSchedulesPerAgent, `may hold at most ${maxSchedulesPerAgent} schedules`);

/** What defines an agent's behaviour: the part an AgentVersion snapshots. */
export const agentConfigSchema = z.object({
  name: requiredText(100),
  description: shortText(2_000),
  instructions: z.string().max(50_000, "is longer than 50,000 characters"),
  model: requiredText(100),
  // Part of the config, so every schedule change is a version and rollback restores schedules.
  // Versions stored before schedules existed have none.
  schedules: schedulesSchema.default([]),
});
export type AgentConfig = z.infer<typeof agentConfigSchema>;

export const agentSchema = agentConfigSchema.extend({
  id: recordIdSchema,
  ownerId: recordIdSchema,
  visibility: agentVisibilitySchema,
  /** Present while the agent is shared (link or public); unguessable, so the link is the key. */
  shareToken: recordIdSchema.optional(),
  /** The one conversation whose transcript the share page shows; none when absent. Dropped when private. */
  sharedConversationId: recordIdSchema.optional(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
  /** Bumped by edits and by every message in its conversations: orders the owner's agent list. */
  lastActivityAt: timestampSchema,
  /** Starts at 1 and grows by one per edit; an edit names the version it was made from. */
  version: z.number().int().positive(),
  templateId: recordIdSchema.optional(),
  copiedFrom: recordIdSchema.optional(),
  /** The version a share link shows and "Use this agent" copies; absent: the latest. */
  sharedVersion: z.number().int().positive().optional(),
  /** Signs schedule webhooks; made the first time a schedule has a webhookUrl. Owner's eyes only. */
  webhookSecret: z.string().min(16).max(200).optional(),
});
export type Agent = z.infer<typeof agentSchema>;

export const newAgentSchema = z
  .object({
    ownerId: recordIdSchema,
    name: agentConfigSchema.shape.name,
    description: agentConfigSchema.shape.description.default(""),
    instructions: agentConfigSchema.shape.instructions.default(""),
    model: agentConfigSchema.shape.model,
    visibility: agentVisibilitySchema.default("private"),
    templateId: recordIdSchema.optional(),
    copiedFrom: recordIdSchema.optional(),
  })
  .strict();
export type NewAgent = z.input<typeof newAgentSchema>;

export const agentPatchSchema = agentConfigSchema
  // null clears: an absent field in a patch means "leave as is".
  .extend({
    // Without the default: a patch that does not mention schedules must keep them.
    schedules: schedulesSchema,
    visibility: agentVisibilitySchema,
    sharedConversationId: recordIdSchema.nullable(),
    sharedVersion: agentSchema.shape.sharedVersion.unwrap().nullable(),
    webhookSecret: agentSchema.shape.webhookSecret.unwrap().nullable(),
  })
  .partial()
  .strict();
export type AgentPatch = z.input<typeof agentPatchSchema>;

export function agentConfigOf(agent: AgentConfig): AgentConfig {
  return {
    name: agent.name,
    description: agent.description,
    instructions: agent.instructions,
    model: agent.model,
    schedules: agent.schedules.map((schedule) => ({ ...schedule })),
  };
}

export const agentVersionSchema = z.object({
  agentId: recordIdSchema,
  version: z.number().int().positive(),
  config: agentConfigSchema,
  createdAt: timestampSchema,
  createdBy: recordIdSchema,
});
export type AgentVersion = z.infer<typeof agentVersionSchema>;

export const newAgentVersionSchema = agentVersionSchema.omit({ createdAt: true }).strict();
export type NewAgentVersion = z.input<typeof newAgentVersionSchema>;

// ── Conversations ────────────────────────────────────────────────────────────────────────────────

export const conversationStatusSchema = z.enum(["idle", "running", "error"]);
export type ConversationStatus = z.infer<typeof conversationStatusSchema>;

export const conversationSchema = z.object({
  id: recordIdSchema,
  agentId: recordIdSchema,
  /** Who is chatting: the agent's owner, or a visitor of a shared agent. */
  ownerId: recordIdSchema,
  title: shortText(200),
  /** Passed to the CLI as --session-id / --resume, so the CLI's transcript follows the conversation. */
  claudeSessionId: z.string().min(1).max(128),
  status: conversationStatusSchema,
  /** The seq of the newest message (0 when empty), so a client can page back from the end. */
  lastSeq: z.number().int().nonnegative(),
  /** Set on a scheduled run's conversation, so the list can group a schedule's runs under it. */
  scheduleId: recordIdSchema.optional(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
});
export type Conversation = z.infer<typeof conversationSchema>;

export const newConversationSchema = z
  .object({
    agentId: recordIdSchema,
    ownerId: recordIdSchema,
    title: conversationSchema.shape.title.default(""),
    claudeSessionId: conversationSchema.shape.claudeSessionId.optional(),
    scheduleId: recordIdSchema.optional(),
  })
  .strict();
export type NewConversation = z.input<typeof newConversationSchema>;

export const conversationPatchSchema = conversationSchema
  .pick({ title: true, claudeSessionId: true, status: true })
  .partial()
  .strict();
export type ConversationPatch = z.input<typeof conversationPatchSchema>;

// ── Messages ─────────────────────────────────────────────────────────────────────────────────────

export const contentBlockSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string() }),
  z.object({ type: z.literal("tool_use"), id: z.string().min(1), name: z.string().min(1), input: z.unknown() }),
  z.object({ type: z.literal("tool_result"), toolUseId: z.string().min(1), output: z.string(), isError: z.boolean() }),
  /** Files live in the user's workspace; a message only refers to them by path. */
  z.object({ type: z.literal("image"), path: z.string().min(1), mimeType: z.string().min(1) }),
  z.object({ type: z.literal("file"), path: z.string().min(1), mimeType: z.string().min(1), name: z.string().optional() }),
]);
export type ContentBlock = z.infer<typeof contentBlockSchema>;

export const messageRoleSchema = z.enum(["user", "assistant"]);
export type MessageRole = z.infer<typeof messageRoleSchema>;

/** Only a streaming message may change; the other states are final. */
export const messageStatusSchema = z.enum(["complete", "streaming", "interrupted", "failed"]);
export type MessageStatus = z.infer<typeof messageStatusSchema>;

/** Firestore caps a document at 1 MiB: content beyond this must be truncated by the writer. */
export const maxMessageContentBytes = 900_000;

export const messageSchema = z.object({
  id: recordIdSchema,
  conversationId: recordIdSchema,
  /** 1, 2, 3 … within the conversation, without gaps. */
  seq: z.number().int().positive(),
  role: messageRoleSchema,
  content: z.array(contentBlockSchema),
  status: messageStatusSchema,
  usage: tokenUsageSchema.optional(),
  costUsd: z.number().nonnegative().optional(),
  error: recordErrorSchema.optional(),
  createdAt: timestampSchema,
  updatedAt: timestampSchema,
  /** The sender's idempotency key: a retried send finds this message instead of adding another. */
  clientMessageId: recordIdSchema.optional(),
});
export type Message = z.infer<typeof messageSchema>;

export const newMessageSchema = messageSchema
  .pick({ conversationId: true, role: true, content: true, usage: true, costUsd: true, error: true, clientMessageId: true })
  .extend({ status: messageStatusSchema.default("complete") })
  .strict();
export type NewMessage = z.input<typeof newMessageSchema>;

export const messagePatchSchema = messageSchema
  .pick({ content: true, status: true, usage: true, costUsd: true, error: true })
  .partial()
  .strict();
export type MessagePatch = z.input<typeof messagePatchSchema>;

// ── Runs ─────────────────────────────────────────────────────────────────────────────────────────

export const runTriggerSchema = z.enum(["chat", "schedule"]);
export type RunTrigger = z.infer<typeof runTriggerSchema>;

export const runStatusSchema = z.enum(["running", "complete", "interrupted", "failed"]);
export type RunStatus = z.infer<typeof runStatusSchema>;

export const webhookOutcomeSchema = z.enum(["delivered", "refused", "failed"]);
export type WebhookOutcome = z.infer<typeof webhookOutcomeSchema>;

/**
 * What became of the schedule's webhook after a run ended, stored on the run so the owner sees a
 * refused or failed delivery where they look (runs, schedules), not only in the server's log.
 */
export const runWebhookDeliverySchema = z
  .object({
    outcome: webhookOutcomeSchema,
    /** A sentence for the owner: what happened and what to change. */
    message: z.string().min(1).max(500),
    at: timestampSchema,
  })
  .strict();
export type RunWebhookDelivery = z.infer<typeof runWebhookDeliverySchema>;

/** One agent turn (or scheduled job): what it cost and how it ended. Kept when its agent is deleted. */
export const runSchema = z.object({
  id: recordIdSchema,
  conversationId: recordIdSchema,
  agentId: recordIdSchema,
  ownerId: recordIdSchema,
  trigger: runTriggerSchema,
  status: runStatusSchema,
  startedAt: timestampSchema,
  finishedAt: timestampSchema.optional(),
  durationMs: z.number().nonnegative().optional(),
  costUsd: z.number().nonnegative().optional(),
  error: recordErrorSchema.optional(),
  /** The schedule that started it, for runs with trigger "schedule". */
  scheduleId: recordIdSchema.optional(),
  /** The server (INSTANCE_ID) running it, which renews `leaseExpiresAt` while it does. */
  instanceId: z.string().min(1).max(128).optional(),
  /** Past this, with the run still "running", its server is gone: another recovers the run. */
  leaseExpiresAt: timestampSchema.optional(),
  /** Set after a scheduled run ended, once its webhook was delivered, refused or given up on. */
  webhook: runWebhookDeliverySchema.optional(),
});
export type Run = z.infer<typeof runSchema>;

export const newRunSchema = runSchema
  .pick({ conversationId: true, agentId: true, ownerId: true, trigger: true, scheduleId: true, instanceId: true, leaseExpiresAt: true })
  .strict();
export type NewRun = z.input<typeof newRunSchema>;

export const runPatchSchema = runSchema
  .pick({ status: true, finishedAt: true, durationMs: true, costUsd: true, error: true, leaseExpiresAt: true })
  .partial()
  .strict();
export type RunPatch = z.input<typeof runPatchSchema>;

// ── Schedule fires ───────────────────────────────────────────────────────────────────────────────

export const scheduleFireStatusSchema = z.enum(["claimed", "running", "complete", "interrupted", "failed", "skipped"]);
export type ScheduleFireStatus = z.infer<typeof scheduleFireStatusSchema>;

/**
 * One time slot of one schedule. Its id is `${agentId}_${scheduleId}_${slotEpochMs}`, so creating
 * it is the lease: with several servers on one store, only the one whose create succeeds runs it.
 */
export const scheduleFireSchema = z.object({
  id: recordIdSchema,
  agentId: recordIdSchema,
  scheduleId: recordIdSchema,
  ownerId: recordIdSchema,
  /** The cron time this fire stands for (not when it actually started). */
  slot: timestampSchema,
  /** The server instance that holds the lease. */
  claimedBy: z.string().min(1).max(200),
  claimedAt: timestampSchema,
  status: scheduleFireStatusSchema,
  /** Why it was skipped or failed, in a sentence. */
  reason: z.string().max(2_000).optional(),
  runId: recordIdSchema.optional(),
  conversationId: recordIdSchema.optional(),
  finishedAt: timestampSchema.optional(),
});
export type ScheduleFire = z.infer<typeof scheduleFireSchema>;

export function scheduleFireId(agentId: string, scheduleId: string, slot: Date | string): string {
  const epochMs = typeof slot === "string" ? Date.parse(slot) : slot.getTime();
  return `${agentId}_${scheduleId}_${epochMs}`;
}

export const newScheduleFireSchema = scheduleFireSchema
  .pick({ agentId: true, scheduleId: true, ownerId: true, slot: true, claimedBy: true, reason: true, runId: true, conversationId: true })
  // A slot that is skipped outright (missed while down) is recorded as such in one write.
  .extend({ status: z.enum(["claimed", "skipped"]).default("claimed") })
  .strict();
export type NewScheduleFire = z.input<typeof newScheduleFireSchema>;

export const scheduleFirePatchSchema = scheduleFireSchema
  .pick({ status: true, reason: true, runId: true, conversationId: true, finishedAt: true })
  .partial()
  .strict();
export type ScheduleFirePatch = z.input<typeof scheduleFirePatchSchema>;

// ── Notifications ────────────────────────────────────────────────────────────────────────────────

export const notificationKindSchema = z.enum(["run_complete", "run_failed", "run_interrupted"]);
export type NotificationKind = z.infer<typeof notificationKindSchema>;

/** An in-app message to one person (the bell), e.g. "Morning report finished". */
export const notificationSchema = z.object({
  id: recordIdSchema,
  userId: recordIdSchema,
  kind: notificationKindSchema,
  title: requiredText(200),
  body: shortText(2_000),
  agentId: recordIdSchema.optional(),
  conversationId: recordIdSchema.optional(),
  runId: recordIdSchema.optional(),
  createdAt: timestampSchema,
  readAt: timestampSchema.optional(),
});
export type Notification = z.infer<typeof notificationSchema>;

export const newNotificationSchema = notificationSchema
  .pick({ userId: true, kind: true, title: true, agentId: true, conversationId: true, runId: true })
  .extend({ body: notificationSchema.shape.body.default("") })
  .strict();
export type NewNotification = z.input<typeof newNotificationSchema>;

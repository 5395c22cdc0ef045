import { randomBytes } from "node:crypto";
import type { z } from "zod";
import {
  createAgentBodySchema,
  listAgentsQuerySchema,
  updateAgentBodySchema,
  type AgentEdit,
  type AgentStatus,
  type AgentSummary,
  type CreateAgentBody,
  type ListAgentsQuery,
} from "../../lib/agent-api";
import { findAgentTemplate } from "../../lib/agent-templates";
import { AppError } from "../../lib/errors";
import type { PlatformStore } from "../store/store";
import {
  agentConfigOf,
  recordIdSchema,
  type Agent,
  type AgentConfig,
  type AgentPatch,
  type Conversation,
  type Schedule,
  type ScheduleInput,
} from "../../lib/records";
import type { ActingUser } from "../conversations/conversation-service";
import { getPlatformServices } from "../platform-services";
import { assertAgentQuota } from "../limits/usage-quotas";
import { validateSchedules } from "../schedules/schedule-rules";
import { removeAgentWorkspaceFiles } from "./agent-deleted-hooks";

/**
 * Everything a person does to their agents. REST routes call these functions today and socket
 * handlers will call the same ones; each validates its input, so callers need not. Another
 * person's agent answers not_found, exactly like a missing one, so ids leak nothing.
 */

const maxAgentsListed = 500;
// A running conversation is being written to, so it sorts near the top: the newest few suffice.
const conversationsConsideredForStatus = 50;
const blankAgentName = "Untitled agent";
const maxNameLength = 100;

// ── Pure logic ───────────────────────────────────────────────────────────────────────────────────

/** Running while any conversation runs; error when the most recent one ended in an error. */
export function deriveAgentStatus(conversations: readonly Pick<Conversation, "status" | "updatedAt">[]): AgentStatus {
  if (conversations.some((conversation) => conversation.status === "running")) return "running";
  let latest: Pick<Conversation, "status" | "updatedAt"> | undefined;
  for (const conversation of conversations) {
    if (!latest || conversation.updatedAt > latest.updatedAt) latest = conversation;
  }
  return latest?.status === "error" ? "error" : "idle";
}

// Accents and case do not matter to someone typing "resume" for "Résumé helper".
function foldForSearch(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLocaleLowerCase("en");
}

/** Every word of the query must appear in the name or the description; an empty query matches all. */
export function matchesAgentQuery(agent: Pick<Agent, "name" | "description">, query: string | undefined): boolean {
  const terms = foldForSearch(query ?? "").split(/\s+/).filter(Boolean);
  if (terms.length === 0) return true;
  const haystack = foldForSearch(`${agent.name}\n${agent.description}`);
  return terms.every((term) => haystack.includes(term));
}

export function copyName(name: string): string {
  const suffix = " (copy)";
  const base = name.length + suffix.length > maxNameLength ? `${name.slice(0, maxNameLength - suffix.length - 1).trimEnd()}…` : name;
  return `${base}${suffix}`;
}

// ── Operations ───────────────────────────────────────────────────────────────────────────────────

export async function listAgents(user: ActingUser, options: ListAgentsQuery = {}): Promise<AgentSummary[]> {
  const { query } = parseAgentRequest(listAgentsQuerySchema, options);
  const { store } = getPlatformServices();
  const agents = await (store.listAgentsByOwner(user.userId, { limit: maxAgentsListed }));
  return Promise.all(agents.filter((agent) => matchesAgentQuery(agent, query)).map((agent) => summarize(user, agent)));
}

export async function createAgent(user: ActingUser, input: CreateAgentBody): Promise<AgentSummary> {
  const body = parseAgentRequest(createAgentBodySchema, input);
  const { store, config } = getPlatformServices();
  const template = body.templateId === undefined ? undefined : findAgentTemplate(body.templateId);
  if (body.templateId !== undefined && !template) {
    throw new AppError("bad_request", "That template does not exist. Choose one from the gallery, or start from a blank agent.", {
      issues: [{ path: "templateId", message: "is not a known template" }],
    });
  }
  await assertAgentQuota(store, user.userId, config.MAX_AGENTS_PER_USER);
  const agent = await store.createAgent({
      ownerId: user.userId,
      name: body.name ?? template?.name ?? blankAgentName,
      description: body.description ?? template?.description ?? "",
      instructions: body.instructions ?? template?.instructions ?? "",
      model: body.model ?? config.DEFAULT_MODEL,
      templateId: template?.id,
    });
  await recordFirstVersion(user, agent);
  return { ...agent, status: "idle" };
}

export async function getAgent(user: ActingUser, agentId: string): Promise<AgentSummary> {
  return summarize(user, await ownedAgent(user, agentId));
}

/**
 * `schedules`, when given, replaces the agent's list: each is checked (cron, time zone, how often)
 * and a new one gets its id here. Like every edit, it makes a new version.
 */
export async function updateAgent(user: ActingUser, agentId: string, patch: AgentEdit, expectedVersion: number): Promise<AgentSummary> {
  const { expectedVersion: version, schedules, ...fields } = parseAgentRequest(updateAgentBodySchema, { ...patch, expectedVersion });
  const before = await ownedAgent(user, agentId);
  const edit: AgentPatch = { ...fields };
  if (schedules !== undefined) {
    validateSchedules(schedules, getPlatformServices().config.SCHEDULE_MIN_INTERVAL_SECONDS);
    Object.assign(edit, schedulesEdit(before, schedules.map(withScheduleId)));
  }
  return summarize(user, await applyAgentEdit(user, before, edit, version));
}

/**
 * Saves an edit of an agent and records its new version: the one path for edits, sharing changes
 * and rollbacks, so every version has its snapshot. A stale `expectedVersion` is a conflict.
 */
export async function applyAgentEdit(
  user: ActingUser,
  before: Agent,
  edit: AgentPatch,
  expectedVersion: number,
  conflictMessage = "This agent was changed somewhere else (another tab or window) while you were editing. Reload to see the latest version, then make your change again.",
): Promise<Agent> {
  const { store } = getPlatformServices();
  const after = await store.updateAgent(before.id, edit, expectedVersion).catch((error: unknown) => {
    if (error instanceof AppError && error.code === "conflict") throw new AppError("conflict", conflictMessage);
    throw error;
  });
  // An edit that changed nothing keeps its version, so there is nothing new to record.
  if (after.version !== before.version) {
    await store.addAgentVersion({ agentId: after.id, version: after.version, config: agentConfigOf(after), createdBy: user.userId });
  }
  return after;
}

/** The schedules part of an edit; the first webhook URL the agent ever gets brings its signing secret. */
export function schedulesEdit(agent: Agent, schedules: Schedule[]): Pick<AgentPatch, "schedules" | "webhookSecret"> {
  const needsSecret = !agent.webhookSecret && schedules.some((schedule) => schedule.webhookUrl !== undefined);
  return needsSecret ? { schedules, webhookSecret: randomBytes(32).toString("base64url") } : { schedules };
}

function withScheduleId(schedule: ScheduleInput): Schedule {
  return { ...schedule, id: schedule.id ?? `sch_${randomBytes(9).toString("base64url")}` } as Schedule;
}

export async function duplicateAgent(user: ActingUser, agentId: string): Promise<AgentSummary> {
  const source = await ownedAgent(user, agentId);
  return copyAgentInto(user, source, copyName(source.name));
}

/**
 * A new private agent of this person's with the source's configuration, or `config` (an earlier
 * version's), and a first version. Schedules stay behind: a copy must not start running on its own.
 */
export async function copyAgentInto(user: ActingUser, source: Agent, name: string, config: AgentConfig = source): Promise<AgentSummary> {
  await assertAgentQuota(getPlatformServices().store, user.userId, getPlatformServices().config.MAX_AGENTS_PER_USER);
  const copy = await getPlatformServices().store.createAgent({
    ownerId: user.userId,
    name,
    description: config.description,
    instructions: config.instructions,
    model: config.model,
    templateId: source.templateId,
    copiedFrom: source.id,
  });
  await recordFirstVersion(user, copy);
  return { ...copy, status: "idle" };
}

export async function deleteAgent(user: ActingUser, agentId: string): Promise<void> {
  const { store, conversations } = getPlatformServices();
  const agent = await ownedAgent(user, agentId);
  // Deleting under a running turn would leave the runner writing into records that are gone.
  const agentConversations = await (store.listConversationsByAgent(agent.id, { limit: maxAgentsListed }));
  if (agentConversations.some((conversation) => conversations.activeRunId(conversation.id) !== null)) {
    throw new AppError("conflict", `"${agent.name}" is still working on a reply. Stop it in its chat (or wait until it finishes), then delete it.`);
  }
  await (store.deleteAgent(agent.id));
  await removeAgentWorkspaceFiles(user.userId, agent.id);
}

// ── Helpers ──────────────────────────────────────────────────────────────────────────────────────

export function ownedAgent(user: ActingUser, agentId: string): Promise<Agent> {
  return findOwnedAgent(getPlatformServices().store, user, agentId);
}

/** The agent as its owner's screens get it: the webhook secret is served by the schedules API only. */
export function withoutWebhookSecret<T extends Agent>(agent: T): T {
  const visible = { ...agent };
  delete visible.webhookSecret;
  return visible;
}

/**
 * The agent, if this person owns it. Anyone else's agent, like a missing one, is not_found: ids of
 * other people's agents reveal nothing. Every feature that acts on an agent checks through this.
 */
export async function findOwnedAgent(store: PlatformStore, user: ActingUser, agentId: string): Promise<Agent> {
  const missing = () => new AppError("not_found", "This agent does not exist.");
  if (!recordIdSchema.safeParse(agentId).success) throw missing();
  const agent = await store.getAgent(agentId).catch((error: unknown) => {
    throw error instanceof AppError && error.code === "not_found" ? missing() : error;
  });
  if (agent.ownerId !== user.userId) throw missing();
  return agent;
}

async function summarize(user: ActingUser, agent: Agent): Promise<AgentSummary> {
  // Only the owner's own chats: a visitor's failed chat on a shared agent is not the owner's alarm.
  const conversations = await getPlatformServices().store.listConversationsByAgent(agent.id, { ownerId: user.userId, limit: conversationsConsideredForStatus });
  return { ...withoutWebhookSecret(agent), status: deriveAgentStatus(conversations) };
}

async function recordFirstVersion(user: ActingUser, agent: Agent): Promise<void> {
  const { store } = getPlatformServices();
  try {
    await (store.addAgentVersion({ agentId: agent.id, version: agent.version, config: agentConfigOf(agent), createdBy: user.userId }));
  } catch (error) {
    // An agent without its first version would have no history to restore: take it back.
    await store.deleteAgent(agent.id).catch(() => undefined);
    throw error;
  }
}

/**
 * The store is built by the custom server, whose bundle has its own copy of lib/errors.ts: its
 * AppError is another class than the one this module (loaded by Next's route handlers) sees, so
 * `instanceof` fails and a 404 or 409 would leave as a 500. Rebuild it here by its code.
 */

/** Validates a request body or query the way every agent operation reports bad input. */
export function parseAgentRequest<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join(".") || "(body)", message: issue.message }));
  throw new AppError("bad_request", `Invalid request: ${issues.map((issue) => `${issue.path} ${issue.message}`).join("; ")}`, { issues });
}

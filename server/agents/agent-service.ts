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
import { agentConfigOf, recordIdSchema, type Agent, type Conversation } from "../../lib/records";
import type { ActingUser } from "../conversations/conversation-service";
import { getPlatformServices } from "../platform-services";
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
  const { query } = parse(listAgentsQuerySchema, options);
  const { store } = getPlatformServices();
  const agents = await (store.listAgentsByOwner(user.userId, { limit: maxAgentsListed }));
  return Promise.all(agents.filter((agent) => matchesAgentQuery(agent, query)).map((agent) => summarize(user, agent)));
}

export async function createAgent(user: ActingUser, input: CreateAgentBody): Promise<AgentSummary> {
  const body = parse(createAgentBodySchema, input);
  const { store, config } = getPlatformServices();
  const template = body.templateId === undefined ? undefined : findAgentTemplate(body.templateId);
  if (body.templateId !== undefined && !template) {
    throw new AppError("bad_request", "That template does not exist. Choose one from the gallery, or start from a blank agent.", {
      issues: [{ path: "templateId", message: "is not a known template" }],
    });
  }
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

export async function updateAgent(user: ActingUser, agentId: string, patch: AgentEdit, expectedVersion: number): Promise<AgentSummary> {
  const { expectedVersion: version, ...edit } = parse(updateAgentBodySchema, { ...patch, expectedVersion });
  const { store } = getPlatformServices();
  const before = await ownedAgent(user, agentId);
  const after = await (store.updateAgent(before.id, edit, version)).catch((error: unknown) => {
    if (error instanceof AppError && error.code === "conflict") {
      throw new AppError(
        "conflict",
        "This agent was changed somewhere else (another tab or window) while you were editing. Reload to see the latest version, then make your change again.",
      );
    }
    throw error;
  });
  // An edit that changed nothing keeps its version, so there is nothing new to record.
  if (after.version !== before.version) {
    await (store.addAgentVersion({ agentId: after.id, version: after.version, config: agentConfigOf(after), createdBy: user.userId }));
  }
  return summarize(user, after);
}

export async function duplicateAgent(user: ActingUser, agentId: string): Promise<AgentSummary> {
  const source = await ownedAgent(user, agentId);
  return copyAgentInto(user, source, copyName(source.name));
}

/** A new private agent of this person's with the source's configuration (and a first version). */
export async function copyAgentInto(user: ActingUser, source: Agent, name: string): Promise<AgentSummary> {
  const copy = await getPlatformServices().store.createAgent({
    ownerId: user.userId,
    name,
    description: source.description,
    instructions: source.instructions,
    model: source.model,
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

function ownedAgent(user: ActingUser, agentId: string): Promise<Agent> {
  return findOwnedAgent(getPlatformServices().store, user, agentId);
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
  return { ...agent, status: deriveAgentStatus(conversations) };
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

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join(".") || "(body)", message: issue.message }));
  throw new AppError("bad_request", `Invalid request: ${issues.map((issue) => `${issue.path} ${issue.message}`).join("; ")}`, { issues });
}

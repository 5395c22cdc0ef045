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
  type Agent,
  type AgentConfig,
  type AgentPatch,
  type Conversation,
  type Schedule,
  type ScheduleInput,
} from "../../lib/records";
import { assertAgentQuota } from "../limits/usage-quotas";
import { logger } from "../logger";
import { validateSchedules } from "../schedules/schedule-rules";
import { findOwnedAgent, type ActingUser } from "./agent-ownership";

/**
 * Everything a person does to their agents. REST routes call these operations today and socket
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

/** "Python tutor", or "Python tutor 2", "3"… when the person already has one of that name. */
export function distinctName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  for (let n = 2; ; n += 1) {
    const suffix = ` ${n}`;
    const candidate = `${name.length + suffix.length > maxNameLength ? name.slice(0, maxNameLength - suffix.length).trimEnd() : name}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}

// ── Operations ───────────────────────────────────────────────────────────────────────────────────

export interface AgentServiceDependencies {
  store: PlatformStore;
  /** The run going on in a conversation on any server, if any: an agent is not deleted under a running turn. */
  activeRunId(conversationId: string): Promise<string | null>;
  /** Removes the agent's folder and Claude state from its owner's workspace. */
  removeAgentFiles(ownerId: string, agentId: string): Promise<void>;
  defaultModel: string;
  maxAgentsPerUser: number;
  scheduleMinIntervalSeconds: number;
  /** Why a schedule's webhook URL may not be saved (it points inside), or null; absent: any URL (WEBHOOK_ALLOW_PRIVATE_TARGETS). */
  webhookTargetRefusal?: (url: string) => Promise<string | null>;
}

export interface AgentService {
  list(user: ActingUser, options?: ListAgentsQuery): Promise<AgentSummary[]>;
  create(user: ActingUser, input: CreateAgentBody): Promise<AgentSummary>;
  get(user: ActingUser, agentId: string): Promise<AgentSummary>;
  /**
   * `schedules`, when given, replaces the agent's list: each is checked (cron, time zone, how often)
   * and a new one gets its id here. Like every edit, it makes a new version.
   */
  update(user: ActingUser, agentId: string, patch: AgentEdit, expectedVersion: number): Promise<AgentSummary>;
  /**
   * Saves an edit of an agent and records its new version: the one path for edits, sharing changes
   * and rollbacks, so every version has its snapshot. A stale `expectedVersion` is a conflict.
   */
  applyEdit(user: ActingUser, before: Agent, edit: AgentPatch, expectedVersion: number, conflictMessage?: string): Promise<Agent>;
  duplicate(user: ActingUser, agentId: string): Promise<AgentSummary>;
  /**
   * A new private agent of this person's with the source's configuration, or `config` (an earlier
   * version's), and a first version. Schedules stay behind: a copy must not start running on its own.
   */
  copyInto(user: ActingUser, source: Agent, name: string, config?: AgentConfig): Promise<AgentSummary>;
  delete(user: ActingUser, agentId: string): Promise<void>;
  /** The agent record itself (webhook secret included), if this person owns it. */
  owned(user: ActingUser, agentId: string): Promise<Agent>;
}

const staleEditMessage =
  "This agent was changed somewhere else (another tab or window) while you were editing. Reload to see the latest version, then make your change again.";

export function createAgentService(deps: AgentServiceDependencies): AgentService {
  const { store } = deps;
  const owned = (user: ActingUser, agentId: string) => findOwnedAgent(store, user, agentId);

  async function summarize(user: ActingUser, agent: Agent): Promise<AgentSummary> {
    // Only the owner's own chats: a visitor's failed chat on a shared agent is not the owner's alarm.
    const conversations = await store.listConversationsByAgent(agent.id, { ownerId: user.userId, limit: conversationsConsideredForStatus });
    return { ...withoutWebhookSecret(agent), status: deriveAgentStatus(conversations) };
  }

  async function recordFirstVersion(user: ActingUser, agent: Agent): Promise<void> {
    try {
      await store.addAgentVersion({ agentId: agent.id, version: agent.version, config: agentConfigOf(agent), createdBy: user.userId });
    } catch (error) {
      // An agent without its first version would have no history to restore: take it back.
      await store.deleteAgent(agent.id).catch(() => undefined);
      throw error;
    }
  }

  async function applyEdit(user: ActingUser, before: Agent, edit: AgentPatch, expectedVersion: number, conflictMessage = staleEditMessage): Promise<Agent> {
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

  async function copyInto(user: ActingUser, source: Agent, name: string, config: AgentConfig = source): Promise<AgentSummary> {
    await assertAgentQuota(store, user.userId, deps.maxAgentsPerUser);
    const copy = await store.createAgent({
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

  return {
    owned,
    applyEdit,
    copyInto,

    async list(user, options = {}) {
      const { query } = parseAgentRequest(listAgentsQuerySchema, options);
      const agents = await store.listAgentsByOwner(user.userId, { limit: maxAgentsListed });
      return Promise.all(agents.filter((agent) => matchesAgentQuery(agent, query)).map((agent) => summarize(user, agent)));
    },

    async create(user, input) {
      const body = parseAgentRequest(createAgentBodySchema, input);
      const template = body.templateId === undefined ? undefined : findAgentTemplate(body.templateId);
      if (body.templateId !== undefined && !template) {
        throw new AppError("bad_request", "That template does not exist. Choose one from the gallery, or start from a blank agent.", {
          issues: [{ path: "templateId", message: "is not a known template" }],
        });
      }
      await assertAgentQuota(store, user.userId, deps.maxAgentsPerUser);
      // A name the person typed is theirs to repeat; a template's gets a number, so two agents made
      // from one template can be told apart.
      const taken = body.name === undefined ? new Set((await store.listAgentsByOwner(user.userId, { limit: maxAgentsListed })).map((agent) => agent.name)) : new Set<string>();
      const agent = await store.createAgent({
        ownerId: user.userId,
        name: body.name ?? distinctName(template?.name ?? blankAgentName, taken),
        description: body.description ?? template?.description ?? "",
        instructions: body.instructions ?? template?.instructions ?? "",
        model: body.model ?? deps.defaultModel,
        templateId: template?.id,
      });
      await recordFirstVersion(user, agent);
      return { ...agent, status: "idle" };
    },

    async get(user, agentId) {
      return summarize(user, await owned(user, agentId));
    },

    async update(user, agentId, patch, expectedVersion) {
      const { expectedVersion: version, schedules, ...fields } = parseAgentRequest(updateAgentBodySchema, { ...patch, expectedVersion });
      const before = await owned(user, agentId);
      const edit: AgentPatch = { ...fields };
      if (schedules !== undefined) {
        validateSchedules(schedules, deps.scheduleMinIntervalSeconds);
        await refuseInsideWebhooks(schedules, deps.webhookTargetRefusal);
        Object.assign(edit, schedulesEdit(before, schedules.map(withScheduleId)));
      }
      return summarize(user, await applyEdit(user, before, edit, version));
    },

    async duplicate(user, agentId) {
      const source = await owned(user, agentId);
      return copyInto(user, source, copyName(source.name));
    },

    async delete(user, agentId) {
      const agent = await owned(user, agentId);
      // Deleting under a running turn would leave the runner writing into records that are gone.
      const agentConversations = await store.listConversationsByAgent(agent.id, { limit: maxAgentsListed });
      const running = await Promise.all(agentConversations.map((conversation) => deps.activeRunId(conversation.id)));
      if (running.some((runId) => runId !== null)) {
        throw new AppError("conflict", `"${agent.name}" is still working on a reply. Stop it in its chat (or wait until it finishes), then delete it.`);
      }
      await store.deleteAgent(agent.id);
      // The agent is gone from the person's list either way; leftover files are only logged.
      await deps.removeAgentFiles(user.userId, agent.id).catch((error: unknown) =>
        logger.error({ err: error, agentId: agent.id }, "could not remove a deleted agent's files from its workspace"),
      );
    },
  };
}

// ── Helpers ──────────────────────────────────────────────────────────────────────────────────────

/** A webhook that could only ever be refused at delivery is refused now, where the person sees why. */
async function refuseInsideWebhooks(schedules: readonly { webhookUrl?: string }[], refusalOf: AgentServiceDependencies["webhookTargetRefusal"]): Promise<void> {
  if (!refusalOf) return;
  for (const [index, schedule] of schedules.entries()) {
    if (schedule.webhookUrl === undefined) continue;
    const reason = await refusalOf(schedule.webhookUrl);
    if (!reason) continue;
    const message = `refuses this address: ${reason}. Webhooks go only to public addresses; use your receiver's public URL.`;
    throw new AppError("bad_request", `Invalid schedule: schedules.${index}.webhookUrl ${message}`, { issues: [{ path: `schedules.${index}.webhookUrl`, message }] });
  }
}

/** The schedules part of an edit; the first webhook URL the agent ever gets brings its signing secret. */
export function schedulesEdit(agent: Agent, schedules: Schedule[]): Pick<AgentPatch, "schedules" | "webhookSecret"> {
  const needsSecret = !agent.webhookSecret && schedules.some((schedule) => schedule.webhookUrl !== undefined);
  return needsSecret ? { schedules, webhookSecret: randomBytes(32).toString("base64url") } : { schedules };
}

function withScheduleId(schedule: ScheduleInput): Schedule {
  return { ...schedule, id: schedule.id ?? `sch_${randomBytes(9).toString("base64url")}` } as Schedule;
}

/** The agent as its owner's screens get it: the webhook secret is served by the schedules API only. */
export function withoutWebhookSecret<T extends Agent>(agent: T): T {
  const visible = { ...agent };
  delete visible.webhookSecret;
  return visible;
}

/** Validates a request body or query the way every agent operation reports bad input. */
export function parseAgentRequest<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join(".") || "(body)", message: issue.message }));
  throw new AppError("bad_request", `Invalid request: ${issues.map((issue) => `${issue.path} ${issue.message}`).join("; ")}`, { issues });
}

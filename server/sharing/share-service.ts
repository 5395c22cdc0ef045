import type { AgentSummary } from "../../lib/agent-api";
import { AppError } from "../../lib/errors";
import { fileTypeOf } from "../../lib/file-api";
import { fileContentUrl } from "../../lib/file-urls";
import { sharedFileContentUrl } from "../../lib/shared-file-urls";
import { agentConfigOf, recordIdSchema, type Agent, type AgentConfig, type ContentBlock, type Message } from "../../lib/records";
import {
  sharedFileRequestSchema,
  sharePath,
  updateSharingBodySchema,
  type SharedAgent,
  type SharedMessage,
  type SharedTranscript,
  type SharingResponse,
  type UpdateSharingBody,
} from "../../lib/share-api";
import type { ActingUser } from "../agents/agent-ownership";
import { copyName, withoutWebhookSecret, type AgentService } from "../agents/agent-service";
import { getAuthConfig } from "../auth/auth-config";
import type { AgentFileService, OpenedAgentFile } from "../files/agent-files";
import { parseAgentFilePath } from "../files/file-paths";
import { agentPaths } from "../workspaces/workspace-names";
import type { PlatformStore } from "../store/store";

/**
 * Sharing an agent by link: the owner's controls, the read-only view anyone with the link gets,
 * and "Use this agent", which copies it into the visitor's own account. The REST routes and the
 * share page call these same functions. A revoked or unknown link answers not_found, so a link
 * says nothing about whether it ever worked.
 */

// One page of the store's messages: enough for any transcript worth sharing.
const maxSharedMessages = 500;

function linkNotFound(): AppError {
  return new AppError("not_found", "This link was revoked by its owner, or it never existed.");
}

// ── The service ──────────────────────────────────────────────────────────────────────────────────

export interface ShareService {
  /** `origin` is the site's public origin (AUTH_URL, else the request's), for the link to hand out. */
  get(user: ActingUser, agentId: string, origin: string): Promise<SharingResponse>;
  update(user: ActingUser, agentId: string, body: UpdateSharingBody, origin: string): Promise<SharingResponse>;
  /** What anyone with the link sees. */
  getShared(shareToken: string): Promise<SharedAgent>;
  /**
   * "Use this agent": a new private agent of the visitor's with the shared agent's configuration.
   * It is theirs like any other, so it runs in their own workspace; nothing of the owner's (files,
   * chats) comes along.
   */
  copyShared(user: ActingUser, shareToken: string): Promise<AgentSummary>;
  /**
   * One image the shared conversation shows, for anyone with the link: only images that
   * conversation shows (not any file of the agent's), only while the link works.
   */
  openSharedImage(shareToken: string, rawPath: unknown): Promise<OpenedAgentFile>;
}

export function createShareService({ store, agents, files }: { store: PlatformStore; agents: AgentService; files: AgentFileService }): ShareService {
  async function assertExistingVersion(agent: Agent, version: number): Promise<void> {
    await store.getAgentVersion(agent.id, version).catch((error: unknown) => {
      if (!(error instanceof AppError && error.code === "not_found")) throw error;
      throw new AppError("bad_request", `This agent has no version ${version}: pin one of the versions in its history, or follow the latest.`, {
        issues: [{ path: "pinnedVersion", message: `is not a version of this agent (it is at version ${agent.version})` }],
      });
    });
  }

  /** Only the owner's own chats with this agent: never a visitor's, never another agent's. */
  async function assertShareableConversation(agent: Agent, conversationId: string): Promise<void> {
    const notShareable = () =>
      new AppError("bad_request", "That conversation can't be shared: choose one of your own conversations with this agent.", {
        issues: [{ path: "sharedConversationId", message: "is not one of your conversations with this agent" }],
      });
    const conversation = await store.getConversation(conversationId).catch((error: unknown) => {
      throw error instanceof AppError && error.code === "not_found" ? notShareable() : error;
    });
    if (conversation.agentId !== agent.id || conversation.ownerId !== agent.ownerId) throw notShareable();
  }

  /** The pinned version's configuration when the owner pinned one, else the latest. */
  async function sharedConfigOf(agent: Agent): Promise<AgentConfig> {
    if (agent.sharedVersion === undefined) return agentConfigOf(agent);
    const pinned = await store.getAgentVersion(agent.id, agent.sharedVersion).catch((error: unknown) => {
      // Versions go only with their agent, so this is a store gone wrong; the latest is still shareable.
      if (error instanceof AppError && error.code === "not_found") return null;
      throw error;
    });
    return pinned?.config ?? agentConfigOf(agent);
  }

  async function sharedAgentByToken(shareToken: string): Promise<Agent> {
    if (!recordIdSchema.safeParse(shareToken).success) throw linkNotFound();
    const agent = await store.findAgentByShareToken(shareToken);
    if (!agent || agent.visibility === "private") throw linkNotFound();
    return agent;
  }

  async function sharedTranscriptOf(agent: Agent): Promise<SharedTranscript | null> {
    const messages = await sharedMessagesOf(agent);
    if (!messages) return null;
    const link = sharedLinkOf(agent);
    return { title: messages.title, messages: messages.list.map((message) => toSharedMessage(message, link)), truncated: messages.truncated };
  }

  async function sharedMessagesOf(agent: Agent): Promise<{ title: string; list: Message[]; truncated: boolean } | null> {
    if (!agent.sharedConversationId) return null;
    // The chosen conversation may have been deleted since: then the page shows no transcript.
    const conversation = await store.getConversation(agent.sharedConversationId).catch((error: unknown) => {
      if (error instanceof AppError && error.code === "not_found") return null;
      throw error;
    });
    if (!conversation || conversation.agentId !== agent.id || conversation.ownerId !== agent.ownerId) return null;
    const messages = await store.listMessages(conversation.id, { limit: maxSharedMessages });
    return {
      title: conversation.title,
      // A reply still being written is not part of the record yet.
      list: messages.filter((message) => message.status !== "streaming"),
      truncated: conversation.lastSeq > maxSharedMessages,
    };
  }

  return {
    async get(user, agentId, origin) {
      const agent = await agents.get(user, agentId);
      return { agent, shareUrl: shareUrlOf(agent, origin) };
    },

    async update(user, agentId, body, origin) {
      const parsed = updateSharingBodySchema.safeParse(body);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join(".") || "(body)", message: issue.message }));
        throw new AppError("bad_request", `Invalid sharing: ${issues.map((issue) => `${issue.path} ${issue.message}`).join("; ")}`, { issues });
      }
      const { visibility, sharedConversationId, pinnedVersion, expectedVersion } = parsed.data;
      const before = await agents.get(user, agentId);
      if (visibility !== "private" && sharedConversationId) await assertShareableConversation(before, sharedConversationId);
      if (visibility !== "private" && pinnedVersion) await assertExistingVersion(before, pinnedVersion);

      // Every version of an agent has its snapshot, so a sharing change records one too (through the
      // same path as edits): the config is unchanged, the history stays without gaps.
      const after = await agents.applyEdit(
        user,
        before,
        { visibility, sharedConversationId, sharedVersion: pinnedVersion },
        expectedVersion,
        "This agent was changed somewhere else (another tab or window). Close this window and open Share again.",
      );
      return { agent: { ...withoutWebhookSecret(after), status: before.status }, shareUrl: shareUrlOf(after, origin) };
    },

    async getShared(shareToken) {
      const agent = await sharedAgentByToken(shareToken);
      // Named field by field: schedules (prompts, webhook addresses) and secrets never reach a visitor.
      const { name, description, instructions, model } = await sharedConfigOf(agent);
      return {
        name,
        description,
        instructions,
        model,
        visibility: agent.visibility === "public" ? "public" : "link",
        pinnedVersion: agent.sharedVersion ?? null,
        transcript: await sharedTranscriptOf(agent),
      };
    },

    async openSharedImage(shareToken, rawPath) {
      const notShown = () => new AppError("not_found", "This image isn't part of the shared conversation.");
      const request = sharedFileRequestSchema.safeParse({ token: shareToken, path: rawPath });
      if (!request.success) {
        if (request.error.issues.some((issue) => issue.path[0] === "token")) throw linkNotFound();
        throw new AppError("bad_request", "Say which image you mean: ?path= names a file in the agent's folder.", {
          issues: [{ path: "path", message: "is required" }],
        });
      }
      const agent = await sharedAgentByToken(request.data.token);
      // Refuses "..", absolute paths outside the folder and the like before anything is read.
      const path = parseAgentFilePath(request.data.path, { purpose: "read", agentWorkdir: agentPaths(agent.id).workdir });
      if (!isShareableImage(path)) throw notShown();
      const messages = await sharedMessagesOf(agent);
      if (!messages || !imagePathsShown(messages.list, sharedLinkOf(agent)).has(path)) throw notShown();
      return files.openSharedFile(agent, path);
    },

    async copyShared(user, shareToken) {
      const source = await sharedAgentByToken(shareToken);
      // The version the link shows is the one copied; its schedules stay with the owner.
      const config = await sharedConfigOf(source);
      // Someone copying their own agent needs to tell the two apart.
      return agents.copyInto(user, source, source.ownerId === user.userId ? copyName(config.name) : config.name, config);
    },
  };
}

// ── Helpers ──────────────────────────────────────────────────────────────────────────────────────

/** AUTH_URL when set (behind a proxy the request's own URL may name an internal host), else the request's. */
export function publicOriginOf(request: Request): string {
  return getAuthConfig().url?.origin ?? new URL(request.url).origin;
}

function shareUrlOf(agent: Agent, origin: string): string | null {
  return agent.visibility !== "private" && agent.shareToken ? new URL(sharePath(agent.shareToken), origin).href : null;
}

/** How an agent's own file addresses read in its shared conversation: the share link's image route instead. */
interface SharedLink {
  agentId: string;
  shareToken: string;
  workdir: string;
}

function sharedLinkOf(agent: Agent): SharedLink {
  // sharedAgentByToken only returns agents with a token.
  return { agentId: agent.id, shareToken: agent.shareToken ?? "", workdir: agentPaths(agent.id).workdir };
}

function toSharedMessage(message: Message, link: SharedLink): SharedMessage {
  return {
    id: message.id,
    seq: message.seq,
    role: message.role,
    content: message.content.flatMap((block) => toSharedBlock(block, link)),
    status: message.status,
    createdAt: message.createdAt,
  };
}

/** A path inside the agent's folder as the files API names it; null for one outside it. */
function folderPathOf(path: string, link: SharedLink): string | null {
  try {
    return parseAgentFilePath(path, { purpose: "read", agentWorkdir: link.workdir });
  } catch {
    return null;
  }
}

// Pictures only: SVG and the like can carry script, and the owner shared a conversation, not files.
function isShareableImage(path: string): boolean {
  const type = fileTypeOf(path);
  return type.preview === "image" && type.contentType !== "image/svg+xml";
}

// The start of the owner's file address, as the chat writes it into a reply (markdown images).
function ownFileContentPrefix(agentId: string): string {
  return fileContentUrl(agentId, "").replace(/path=$/, "");
}

function sharedFileContentPrefix(shareToken: string): string {
  return sharedFileContentUrl(shareToken, "").replace(/path=$/, "");
}

// An image block keeps its path inside the agent's folder (the share link's image route serves it);
// one that names a place outside the folder keeps only its name, and shows as unavailable.
// Attachments are left out: the owner shared a conversation, not their files.
function toSharedBlock(block: ContentBlock, link: SharedLink): ContentBlock[] {
  if (block.type === "image") {
    return [{ type: "image", path: folderPathOf(block.path, link) ?? (block.path.split("/").pop() || "image"), mimeType: block.mimeType }];
  }
  if (block.type === "file") return [];
  if (block.type === "text") return [{ ...block, text: block.text.replaceAll(ownFileContentPrefix(link.agentId), sharedFileContentPrefix(link.shareToken)) }];
  return [block];
}

/** Every image the shared conversation shows, by its path in the agent's folder: image blocks and markdown images. */
export function imagePathsShown(messages: readonly Pick<Message, "content">[], link: SharedLink): Set<string> {
  const shown = new Set<string>();
  const prefixes = [ownFileContentPrefix(link.agentId), sharedFileContentPrefix(link.shareToken)];
  for (const message of messages) {
    for (const block of message.content) {
      if (block.type === "image") {
        const path = folderPathOf(block.path, link);
        if (path) shown.add(path);
      } else if (block.type === "text") {
        for (const prefix of prefixes) {
          for (let at = block.text.indexOf(prefix); at >= 0; at = block.text.indexOf(prefix, at + prefix.length)) {
            const query = /^[^\s)"'<>]*/.exec(block.text.slice(at + prefix.length - 1))?.[0] ?? "";
            const named = new URLSearchParams(query.replace(/^\?/, "").replaceAll("&amp;", "&")).get("path");
            const path = named ? folderPathOf(named, link) : null;
            if (path) shown.add(path);
          }
        }
      }
    }
  }
  return shown;
}

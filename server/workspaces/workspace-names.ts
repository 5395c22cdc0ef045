import { createHash } from "node:crypto";
import { posix as path } from "node:path";

import { AppError } from "../../lib/errors";

/** Labels on every container and volume the platform creates, so a restarted server finds them. */
export const PLATFORM_LABEL = "platform";
export const PLATFORM_LABEL_VALUE = "agent-platform";
export const USER_LABEL = "platform.user";
export const KIND_LABEL = "platform.kind";
/** On warm-pool objects: which pool (name prefix) they belong to, so a test's pool is its own. */
export const POOL_LABEL = "platform.pool";
/** On a pool container: its slot id and the slot's volume and network, which become the claiming user's. */
export const POOL_SLOT_LABEL = "platform.pool.slot";
/** A fingerprint of the settings a slot was made with (network, limits, disk): only a server with the same hands it out. */
export const POOL_SHAPE_LABEL = "platform.pool.shape";
export const POOL_VOLUME_LABEL = "platform.pool.volume";
export const POOL_NETWORK_LABEL = "platform.pool.network";
/**
 * The warm pool's default name prefix. The "." cannot appear in a safe user id, so no user's
 * container, volume or network name can ever be a pool slot's.
 */
export const DEFAULT_WARM_POOL_PREFIX = "agent-ws.pool";

export const WORKSPACE_ROOT = "/workspace";
/** Where every agent keeps its Claude state (transcripts, settings) on the user's volume. */
export const CLAUDE_AGENTS_ROOT = `${WORKSPACE_ROOT}/.claude-agents`;
/**
 * The workspace user's HOME (the image's). The root filesystem is read-only, so HOME is a small
 * memory-backed mount: what the CLI, Python, pip, matplotlib and Jupyter keep there (~/.cache,
 * ~/.local, ~/.config, ~/.claude.json) is scratch; what lasts is on the volume.
 */
export const WORKSPACE_HOME = "/home/claude";
export const WORKSPACE_HOME_TMPFS_MB = 64;
export const WORKSPACE_UID = 1000;
export const WORKSPACE_GID = 1000;

const MAX_SLUG_LENGTH = 40;
const AGENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Docker names allow [a-zA-Z0-9][a-zA-Z0-9_.-]*. A user id that already fits (lower case, short)
 * is used as is so names stay readable; anything else is slugged and gets a hash suffix, because
 * slugging alone would map "Ann" and "ann", or "a@b" and "a-b", onto one container.
 */
export function toSafeUserId(userId: string): string {
  if (userId.length === 0) {
    throw new AppError("bad_request", "A workspace needs a non-empty user id.");
  }
  if (/^[a-z0-9][a-z0-9_-]*$/.test(userId) && userId.length <= MAX_SLUG_LENGTH) {
    return userId;
  }
  const slug = userId
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^[-_]+|[-_]+$/g, "")
    .slice(0, MAX_SLUG_LENGTH);
  const hash = createHash("sha256").update(userId).digest("hex").slice(0, 10);
  return slug.length > 0 ? `${slug}-${hash}` : hash;
}

export function workspaceContainerName(userId: string): string {
  return `agent-ws-${toSafeUserId(userId)}`;
}

export function workspaceVolumeName(userId: string): string {
  return `agent-ws-${toSafeUserId(userId)}-data`;
}

/** Records which pool slot a user claimed (an empty volume: a Docker object that carries labels). */
export function workspaceClaimName(userId: string): string {
  return `agent-ws-${toSafeUserId(userId)}-claim`;
}

/** The user's own Docker network: internal (no route out), reaching only the egress proxy on the host. */
export function workspaceNetworkName(userId: string): string {
  return `agent-ws-${toSafeUserId(userId)}-net`;
}

/** Host-side bridge interface of the user's network; the shared "adw" prefix lets one firewall rule cover them all. */
export const WORKSPACE_BRIDGE_PREFIX = "adw";

export function workspaceBridgeName(userId: string): string {
  // Linux interface names are at most 15 characters.
  return `${WORKSPACE_BRIDGE_PREFIX}${createHash("sha256").update(userId).digest("hex").slice(0, 12)}`;
}

export function workspaceLabels(userId: string, kind: "workspace" | "workspace-data" | "workspace-network" | "workspace-claim"): Record<string, string> {
  return { [PLATFORM_LABEL]: PLATFORM_LABEL_VALUE, [USER_LABEL]: userId, [KIND_LABEL]: kind };
}

/** Labels of a warm-pool slot's objects: no user (nobody owns it until it is claimed). */
export function warmPoolLabels(pool: string, kind: "workspace-pool" | "workspace-pool-data" | "workspace-pool-network"): Record<string, string> {
  return { [PLATFORM_LABEL]: PLATFORM_LABEL_VALUE, [POOL_LABEL]: pool, [KIND_LABEL]: kind };
}

export function isValidAgentId(agentId: string): boolean {
  return AGENT_ID_PATTERN.test(agentId);
}

/** Agent ids end up in paths inside the container, so only a conservative alphabet is accepted. */
export function assertValidAgentId(agentId: string): void {
  if (!isValidAgentId(agentId)) {
    throw new AppError(
      "bad_request",
      `Agent id "${agentId.slice(0, 80)}" may only contain letters, digits, "_" and "-" (1-64 characters).`,
    );
  }
}

export interface AgentPaths {
  /** The agent's working directory: what it writes is what the user sees in the file browser. */
  workdir: string;
  /** CLAUDE_CONFIG_DIR: one per agent so two agents never share (and corrupt) Claude's state. */
  claudeConfigDir: string;
}

export function agentPaths(agentId: string): AgentPaths {
  assertValidAgentId(agentId);
  return {
    workdir: path.join(WORKSPACE_ROOT, `agent-${agentId}`),
    claudeConfigDir: path.join(CLAUDE_AGENTS_ROOT, agentId),
  };
}

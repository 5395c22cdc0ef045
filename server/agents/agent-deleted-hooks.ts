import { logger } from "../logger";

/** Runs after an agent and its conversations were deleted from the store. */
export type AgentDeletedListener = (ownerId: string, agentId: string) => Promise<void> | void;

const globalKey = Symbol.for("agentdesk.agent-deleted-listeners");
type GlobalWithListeners = typeof globalThis & { [globalKey]?: Set<AgentDeletedListener> };

// On globalThis: deletion runs in Next's copy of this module (the REST route) while the workspace
// layer registers from the custom server's copy.
function listeners(): Set<AgentDeletedListener> {
  const holder = globalThis as GlobalWithListeners;
  holder[globalKey] ??= new Set();
  return holder[globalKey];
}

/**
 * The hook for removing a deleted agent's workspace directory (/workspace/agent-{id}) and its Claude
 * config directory. Nothing registers yet: the workspace layer should, because only it knows whether
 * the owner's container is running (remove now) or stopped (remove on next start).
 * Returns a function that unregisters the listener.
 */
export function onAgentDeleted(listener: AgentDeletedListener): () => void {
  listeners().add(listener);
  return () => listeners().delete(listener);
}

/** A failing listener is logged, never thrown: the agent is gone from the person's list either way. */
export async function removeAgentWorkspaceFiles(ownerId: string, agentId: string): Promise<void> {
  for (const listener of listeners()) {
    try {
      await listener(ownerId, agentId);
    } catch (error) {
      logger.error({ err: error, ownerId, agentId }, "an agent-deleted listener failed");
    }
  }
}

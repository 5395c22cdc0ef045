import { processHook } from "../hooks/process-hooks";

/**
 * Runs after an agent and its conversations were deleted from the store: the workspace layer
 * removes the agent's folder and Claude state. A failing listener is logged; the agent is gone
 * from the person's list either way.
 */
const agentDeleted = processHook<[ownerId: string, agentId: string]>("agent-deleted");

export const onAgentDeleted = agentDeleted.on;
export const removeAgentWorkspaceFiles = agentDeleted.notify;

import { rollbackAgentBodySchema, type AgentSummary, type RollbackAgentBody } from "../../lib/agent-api";
import { AppError } from "../../lib/errors";
import type { AgentVersion } from "../../lib/records";
import type { AgentVersionEntry } from "../../lib/version-api";
import type { PlatformStore } from "../store/store";
import type { ActingUser } from "./agent-ownership";
import { parseAgentRequest, schedulesEdit, type AgentService } from "./agent-service";

/**
 * An agent's history: every saved change is a version (agent-service records them), listed here
 * for its owner, and any of them can be brought back. Bringing one back never rewrites history: it
 * makes a new version whose configuration equals the old one's.
 */

// Versions are small; an agent edited more often than this shows its latest ones.
const maxVersionsListed = 500;

export interface AgentVersionService {
  list(user: ActingUser, agentId: string): Promise<AgentVersionEntry[]>;
  /**
   * Makes the agent's configuration (instructions, model, schedules…) that of `version`, as a new
   * version made from `expectedVersion`: conflict when the agent moved on since, not_found for a
   * version it never had. Restoring the configuration it already has changes nothing.
   */
  rollback(user: ActingUser, agentId: string, body: RollbackAgentBody): Promise<AgentSummary>;
}

export function createAgentVersionService({ store, agents }: { store: PlatformStore; agents: AgentService }): AgentVersionService {
  return {
    async list(user, agentId) {
      const agent = await agents.owned(user, agentId);
      const versions = await store.listAgentVersions(agent.id, { limit: maxVersionsListed });
      const names = await authorNames(store, versions);
      return versions.map((version) => ({ ...version, createdByName: names.get(version.createdBy) ?? null }));
    },

    async rollback(user, agentId, body) {
      const { version, expectedVersion } = parseAgentRequest(rollbackAgentBodySchema, body);
      const before = await agents.owned(user, agentId);
      const target = await store.getAgentVersion(before.id, version).catch((error: unknown) => {
        if (error instanceof AppError && error.code === "not_found") {
          throw new AppError("not_found", `This agent has no version ${version}. Reload its history and pick one from the list.`);
        }
        throw error;
      });
      const { schedules, ...fields } = target.config;
      await agents.applyEdit(
        user,
        before,
        { ...fields, ...schedulesEdit(before, schedules) },
        expectedVersion,
        "This agent was changed somewhere else (another tab or window) since you opened its history. Reload it, then restore the version again.",
      );
      return agents.get(user, before.id);
    },
  };
}

/** Who made each version, by the name on their account (or email); null for an unnamed guest. */
async function authorNames(store: PlatformStore, versions: readonly AgentVersion[]): Promise<Map<string, string | null>> {
  const names = new Map<string, string | null>();
  for (const userId of new Set(versions.map((version) => version.createdBy))) {
    let author = await store.getUser(userId).catch(() => null);
    // A guest who later signed in was merged into their account: name them by it.
    if (author?.mergedInto) author = await store.getUser(author.mergedInto).catch(() => author);
    names.set(userId, author?.name ?? author?.email ?? null);
  }
  return names;
}

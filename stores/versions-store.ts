import { createStore, type StoreApi } from "zustand/vanilla";
import type { AgentResponse } from "../lib/agent-api";
import { apiFetch, asErrorPayload } from "../lib/api-client";
import { errorMessageFor } from "../lib/error-messages";
import type { Agent } from "../lib/records";
import { fetchVersions, rollbackToVersion, type AgentVersionEntry, type VersionListResponse } from "../lib/version-api";

/** The REST calls the store makes; tests pass stand-ins. */
export interface VersionsApi {
  fetchAgent(agentId: string): Promise<AgentResponse>;
  fetchVersions(agentId: string): Promise<VersionListResponse>;
  rollback(agentId: string, version: number, expectedVersion: number): Promise<AgentResponse>;
}

export const browserVersionsApi: VersionsApi = {
  fetchAgent: (agentId) => apiFetch<AgentResponse>(`/api/agents/${encodeURIComponent(agentId)}`),
  fetchVersions,
  rollback: rollbackToVersion,
};

export interface VersionsState {
  agent: Pick<Agent, "id" | "ownerId" | "version" | "name"> | null;
  /** Newest first. */
  versions: AgentVersionEntry[];
  status: "idle" | "loading" | "ready" | "error";
  notice: { tone: "error" | "success"; message: string } | null;
  /** Up to two version numbers picked to compare. */
  selected: number[];
  restoring: boolean;
}

export interface VersionsActions {
  load(): Promise<void>;
  /** Picks or unpicks a version; picking a third drops the earliest pick. */
  toggleSelected(version: number): void;
  clearSelection(): void;
  /** Makes a new version equal to `version`; false when it did not happen (see notice). */
  restore(version: number): Promise<boolean>;
  dismissNotice(): void;
  reset(): void;
}

export type VersionsStore = VersionsState & VersionsActions;

export const initialVersionsState: VersionsState = { agent: null, versions: [], status: "idle", notice: null, selected: [], restoring: false };

export const restoreConflictMessage =
  "This agent was changed somewhere else since you opened its versions. The list is up to date now: check it and restore again if you still want to.";

export function createVersionsStore(agentId: string, api: VersionsApi = browserVersionsApi): StoreApi<VersionsStore> {
  return createStore<VersionsStore>()((set, get) => {
    const refresh = async () => {
      const [{ agent }, { versions }] = await Promise.all([api.fetchAgent(agentId), api.fetchVersions(agentId)]);
      set({
        agent: { id: agent.id, ownerId: agent.ownerId, version: agent.version, name: agent.name },
        versions: [...versions].sort((a, b) => b.version - a.version),
        status: "ready",
      });
    };

    return {
      ...initialVersionsState,

      async load() {
        if (get().status !== "ready") set({ status: "loading" });
        try {
          await refresh();
        } catch (error) {
          set({ status: get().status === "ready" ? "ready" : "error", notice: { tone: "error", message: errorMessageFor(asErrorPayload(error)) } });
        }
      },

      toggleSelected(version) {
        const { selected } = get();
        if (selected.includes(version)) set({ selected: selected.filter((picked) => picked !== version) });
        else set({ selected: [...selected, version].slice(-2) });
      },

      clearSelection() {
        set({ selected: [] });
      },

      async restore(version) {
        const agent = get().agent;
        if (!agent) return false;
        set({ restoring: true, notice: null });
        try {
          const { agent: restored } = await api.rollback(agentId, version, agent.version);
          await refresh().catch(() => undefined);
          const message =
            restored.version === agent.version
              ? `The agent already matches version ${version}: nothing needed changing.`
              : `Restored version ${version}. It is now version ${restored.version}; nothing was deleted.`;
          set({ selected: [], notice: { tone: "success", message } });
          return true;
        } catch (error) {
          const payload = asErrorPayload(error);
          if (payload.code === "conflict") await refresh().catch(() => undefined);
          set({ notice: { tone: "error", message: payload.code === "conflict" ? restoreConflictMessage : errorMessageFor(payload) } });
          return false;
        } finally {
          set({ restoring: false });
        }
      },

      dismissNotice() {
        set({ notice: null });
      },

      reset() {
        set(initialVersionsState);
      },
    };
  });
}

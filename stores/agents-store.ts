"use client";

import { createContext, useContext } from "react";
import { useStore } from "zustand";
import { createStore, type StoreApi } from "zustand/vanilla";
import type { AgentEdit, AgentListResponse, AgentResponse, AgentSummary, CreateAgentBody, TemplateListResponse } from "@/lib/agent-api";
import type { AgentTemplate } from "@/lib/agent-templates";
import { apiFetch, asErrorPayload } from "@/lib/api-client";
import { errorMessageFor } from "@/lib/error-messages";
import type { ErrorPayload } from "@/lib/errors";

export type LoadStatus = "idle" | "loading" | "ready" | "error";

export interface DashboardNotice {
  tone: "success" | "error";
  message: string;
}

export interface AgentsState {
  agents: AgentSummary[];
  listStatus: LoadStatus;
  listError: ErrorPayload | null;
  /** The search box's text; the list shows the agents the server found for it. */
  query: string;
  templates: AgentTemplate[];
  templatesStatus: LoadStatus;
  templatesError: ErrorPayload | null;
  defaultModel: string | null;
  /** Agents with a duplicate or delete in flight, so their buttons can wait. */
  busyAgentIds: string[];
  notice: DashboardNotice | null;
}

export interface AgentsActions {
  /** Loads the list for the current query; later answers win over earlier ones. */
  loadAgents(): Promise<void>;
  setQuery(query: string): void;
  loadTemplates(): Promise<void>;
  /** These throw ApiError so the dialog that asked can show what went wrong next to its fields. */
  createAgent(body: CreateAgentBody): Promise<AgentSummary>;
  updateAgent(agentId: string, edit: AgentEdit, expectedVersion: number): Promise<AgentSummary>;
  reloadAgent(agentId: string): Promise<AgentSummary>;
  deleteAgent(agentId: string): Promise<void>;
  /** Reports through `notice`: there is no dialog to show an error in. */
  duplicateAgent(agentId: string): Promise<void>;
  dismissNotice(): void;
  reset(): void;
}

export type AgentsStore = AgentsState & AgentsActions;

export const initialState: AgentsState = {
  agents: [],
  listStatus: "idle",
  listError: null,
  query: "",
  templates: [],
  templatesStatus: "idle",
  templatesError: null,
  defaultModel: null,
  busyAgentIds: [],
  notice: null,
};

// Same order as the server's list: most recently active first.
function byActivity(agents: AgentSummary[]): AgentSummary[] {
  return [...agents].sort((a, b) => (a.lastActivityAt < b.lastActivityAt ? 1 : a.lastActivityAt > b.lastActivityAt ? -1 : 0));
}

const agentUrl = (agentId: string) => `/api/agents/${encodeURIComponent(agentId)}`;

/** What the server already read for the dashboard's first paint. */
export interface AgentsInitialData {
  agents: AgentSummary[];
  templates: AgentTemplate[];
  defaultModel: string;
}

/** The state a dashboard starts in: loaded already when the server rendered its agents. */
export function initialStateFrom(initial?: AgentsInitialData): AgentsState {
  if (!initial) return initialState;
  return {
    ...initialState,
    agents: byActivity(initial.agents),
    listStatus: "ready",
    templates: initial.templates,
    templatesStatus: "ready",
    defaultModel: initial.defaultModel,
  };
}

/** One store per dashboard mount (see AgentsStoreProvider): nothing is shared between requests on the server. */
export function createAgentsStore(initial?: AgentsInitialData): StoreApi<AgentsStore> {
  let latestListRequest = 0;

  return createStore<AgentsStore>()((set, get) => {
    const upsert = (agent: AgentSummary) =>
      set((state) => ({ agents: byActivity([agent, ...state.agents.filter((existing) => existing.id !== agent.id)]) }));
    const setBusy = (agentId: string, busy: boolean) =>
      set((state) => ({
        busyAgentIds: busy ? [...state.busyAgentIds, agentId] : state.busyAgentIds.filter((id) => id !== agentId),
      }));

    return {
      ...initialStateFrom(initial),

      async loadAgents() {
        const request = ++latestListRequest;
        // A refresh keeps the cards on screen; only the first load shows the loading state.
        if (get().listStatus !== "ready") set({ listStatus: "loading", listError: null });
        const query = get().query.trim();
        try {
          const { agents } = await apiFetch<AgentListResponse>(query ? `/api/agents?query=${encodeURIComponent(query)}` : "/api/agents");
          if (request === latestListRequest) set({ agents, listStatus: "ready", listError: null });
        } catch (error) {
          if (request !== latestListRequest) return;
          const payload = asErrorPayload(error);
          // A failed refresh keeps the cards on screen (a network blip should not blank the page),
          // unless the session ended: then nothing shown can be acted on any more.
          if (get().listStatus === "ready" && payload.code !== "unauthorized") {
            set({ notice: { tone: "error", message: `Your agents could not be refreshed. ${errorMessageFor(payload)}` } });
          } else {
            set({ listStatus: "error", listError: payload });
          }
        }
      },

      setQuery(query) {
        set({ query });
      },

      async loadTemplates() {
        if (get().templatesStatus === "loading" || get().templatesStatus === "ready") return;
        set({ templatesStatus: "loading", templatesError: null });
        try {
          const { templates, defaultModel } = await apiFetch<TemplateListResponse>("/api/templates");
          set({ templates, defaultModel, templatesStatus: "ready" });
        } catch (error) {
          set({ templatesStatus: "error", templatesError: asErrorPayload(error) });
        }
      },

      async createAgent(body) {
        const { agent } = await apiFetch<AgentResponse>("/api/agents", { method: "POST", json: body });
        // A search in progress could hide the new card: clear it so the person sees what they made.
        const searching = get().query.trim() !== "";
        set({ query: "", notice: { tone: "success", message: `Created “${agent.name}”.` } });
        upsert(agent);
        if (searching) void get().loadAgents();
        return agent;
      },

      async updateAgent(agentId, edit, expectedVersion) {
        const { agent } = await apiFetch<AgentResponse>(agentUrl(agentId), { method: "PATCH", json: { ...edit, expectedVersion } });
        upsert(agent);
        set({ notice: { tone: "success", message: `Saved “${agent.name}”.` } });
        return agent;
      },

      async reloadAgent(agentId) {
        const { agent } = await apiFetch<AgentResponse>(agentUrl(agentId));
        upsert(agent);
        return agent;
      },

      async deleteAgent(agentId) {
        const name = get().agents.find((agent) => agent.id === agentId)?.name;
        setBusy(agentId, true);
        try {
          await apiFetch<void>(agentUrl(agentId), { method: "DELETE" });
          set((state) => ({
            agents: state.agents.filter((agent) => agent.id !== agentId),
            notice: { tone: "success", message: name ? `Deleted “${name}”.` : "Deleted the agent." },
          }));
        } finally {
          setBusy(agentId, false);
        }
      },

      async duplicateAgent(agentId) {
        setBusy(agentId, true);
        try {
          const { agent } = await apiFetch<AgentResponse>(`${agentUrl(agentId)}/duplicate`, { method: "POST" });
          upsert(agent);
          set({ notice: { tone: "success", message: `Made a copy: “${agent.name}”.` } });
        } catch (error) {
          set({ notice: { tone: "error", message: errorMessageFor(asErrorPayload(error)) } });
        } finally {
          setBusy(agentId, false);
        }
      },

      dismissNotice() {
        set({ notice: null });
      },

      reset() {
        latestListRequest++;
        set(initialState);
      },
    };
  });
}

export const AgentsStoreContext = createContext<StoreApi<AgentsStore> | null>(null);

export function useAgentsStore<T>(selector: (state: AgentsStore) => T): T {
  const store = useContext(AgentsStoreContext);
  if (!store) throw new Error("useAgentsStore must be used inside <AgentsStoreProvider>.");
  return useStore(store, selector);
}

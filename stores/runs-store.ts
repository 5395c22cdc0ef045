import { createStore, type StoreApi } from "zustand/vanilla";
import { asErrorPayload } from "../lib/api-client";
import { errorMessageFor } from "../lib/error-messages";
import type { RunTrigger } from "../lib/records";
import { fetchRuns, type RunListResponse, type RunSummary } from "../lib/run-api";

/** The REST call the store makes; tests pass a stand-in. */
export interface RunsApi {
  fetchRuns(agentId: string, options: { trigger?: RunTrigger; limit?: number }): Promise<RunListResponse>;
}

export const browserRunsApi: RunsApi = { fetchRuns };

export type RunFilter = "all" | RunTrigger;

/** How many runs the panel shows; older ones are still on the server. */
export const runsShown = 50;

export interface RunsState {
  runs: RunSummary[];
  filter: RunFilter;
  /** "loading" only before the first answer: a refresh keeps the list on screen. */
  status: "idle" | "loading" | "ready" | "error";
  problem: string | null;
}

export interface RunsActions {
  load(): Promise<void>;
  setFilter(filter: RunFilter): Promise<void>;
  reset(): void;
}

export type RunsStore = RunsState & RunsActions;

export const initialRunsState: RunsState = { runs: [], filter: "all", status: "idle", problem: null };

export function createRunsStore(agentId: string, api: RunsApi = browserRunsApi): StoreApi<RunsStore> {
  let latestRequest = 0;
  return createStore<RunsStore>()((set, get) => ({
    ...initialRunsState,

    async load() {
      const request = ++latestRequest;
      if (get().status !== "ready") set({ status: "loading", problem: null });
      const { filter } = get();
      try {
        const { runs } = await api.fetchRuns(agentId, { limit: runsShown, ...(filter === "all" ? {} : { trigger: filter }) });
        if (request === latestRequest) set({ runs, status: "ready", problem: null });
      } catch (error) {
        if (request === latestRequest) set({ status: get().status === "ready" ? "ready" : "error", problem: errorMessageFor(asErrorPayload(error)) });
      }
    },

    async setFilter(filter) {
      set({ filter, status: "loading", runs: [] });
      await get().load();
    },

    reset() {
      latestRequest++;
      set(initialRunsState);
    },
  }));
}

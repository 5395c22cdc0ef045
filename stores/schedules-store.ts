import { createStore, type StoreApi } from "zustand/vanilla";
import type { AgentResponse } from "../lib/agent-api";
import { asErrorPayload } from "../lib/api-client";
import { errorMessageFor } from "../lib/error-messages";
import type { ErrorPayload } from "../lib/errors";
import type { Agent } from "../lib/records";
import {
  fetchSchedules,
  runScheduleNow,
  saveSchedules,
  toSavedSchedule,
  type RunNowResponse,
  type ScheduleDraft,
  type SchedulesResponse,
  type ScheduleWithStatus,
} from "../lib/schedule-api";
import { apiFetch } from "../lib/api-client";

/** The REST calls the store makes; tests pass stand-ins. */
export interface SchedulesApi {
  fetchAgent(agentId: string): Promise<AgentResponse>;
  fetchSchedules(agentId: string): Promise<SchedulesResponse>;
  saveSchedules(agentId: string, schedules: ScheduleDraft[], expectedVersion: number): Promise<AgentResponse>;
  runNow(agentId: string, scheduleId: string): Promise<RunNowResponse>;
}

export const browserSchedulesApi: SchedulesApi = {
  fetchAgent: (agentId) => apiFetch<AgentResponse>(`/api/agents/${encodeURIComponent(agentId)}`),
  fetchSchedules,
  saveSchedules,
  runNow: runScheduleNow,
};

/** What a change came to: the dialog that asked shows the problem next to the form. */
export type SaveOutcome = { ok: true } | { ok: false; error: ErrorPayload; message: string };

export const conflictMessage =
  "This agent was changed somewhere else (another tab, or a version was restored) since you opened it. The latest schedules are shown now: check them and make your change again.";

export interface SchedulesState {
  agentId: string;
  /** The agent's version the list was read at: every save names it. */
  agentVersion: number | null;
  agentName: string;
  schedules: ScheduleWithStatus[];
  webhookSecret: string | null;
  status: "idle" | "loading" | "ready" | "error";
  /** A sentence about the last thing that went wrong, or a conflict that reloaded the list. */
  notice: { tone: "error" | "success"; message: string } | null;
  saving: boolean;
  /** Schedules with a "Run now" in flight. */
  startingRunIds: string[];
}

export interface SchedulesActions {
  load(): Promise<void>;
  /** Adds `draft` (no id) or replaces the schedule with its id. */
  save(draft: ScheduleDraft): Promise<SaveOutcome>;
  setEnabled(scheduleId: string, enabled: boolean): Promise<SaveOutcome>;
  remove(scheduleId: string): Promise<SaveOutcome>;
  runNow(scheduleId: string): Promise<RunNowResponse | null>;
  dismissNotice(): void;
  reset(): void;
}

export type SchedulesStore = SchedulesState & SchedulesActions;

export function initialSchedulesState(agentId: string): SchedulesState {
  return {
    agentId,
    agentVersion: null,
    agentName: "",
    schedules: [],
    webhookSecret: null,
    status: "idle",
    notice: null,
    saving: false,
    startingRunIds: [],
  };
}

export function createSchedulesStore(agentId: string, api: SchedulesApi = browserSchedulesApi): StoreApi<SchedulesStore> {
  return createStore<SchedulesStore>()((set, get) => {
    const applyAgent = (agent: Pick<Agent, "version" | "name">) => set({ agentVersion: agent.version, agentName: agent.name });

    const refresh = async () => {
      // The agent first: its version must be no newer than the schedules read after it, so a save
      // made from this list can only be refused, never overwrite a change it did not see.
      const { agent } = await api.fetchAgent(agentId);
      const { schedules, webhookSecret } = await api.fetchSchedules(agentId);
      applyAgent(agent);
      set({ schedules, webhookSecret, status: "ready" });
    };

    const commit = async (next: ScheduleDraft[], success: string): Promise<SaveOutcome> => {
      const expectedVersion = get().agentVersion;
      if (expectedVersion === null) return { ok: false, error: { code: "internal", message: "Still loading." }, message: "Still loading: try again in a moment." };
      set({ saving: true, notice: null });
      try {
        const { agent } = await api.saveSchedules(agentId, next, expectedVersion);
        applyAgent(agent);
        // Read back for the next run times the server worked out.
        await refresh().catch(() => undefined);
        set({ notice: { tone: "success", message: success } });
        return { ok: true };
      } catch (error) {
        const payload = asErrorPayload(error);
        if (payload.code === "conflict") {
          await refresh().catch(() => undefined);
          set({ notice: { tone: "error", message: conflictMessage } });
          return { ok: false, error: payload, message: conflictMessage };
        }
        const message = errorMessageFor(payload);
        return { ok: false, error: payload, message };
      } finally {
        set({ saving: false });
      }
    };

    const saved = () => get().schedules.map(toSavedSchedule);

    return {
      ...initialSchedulesState(agentId),

      async load() {
        if (get().status !== "ready") set({ status: "loading" });
        try {
          await refresh();
        } catch (error) {
          const message = errorMessageFor(asErrorPayload(error));
          if (get().status === "ready") set({ notice: { tone: "error", message } });
          else set({ status: "error", notice: { tone: "error", message } });
        }
      },

      async save(draft) {
        const current = saved();
        const exists = draft.id !== undefined && current.some((schedule) => schedule.id === draft.id);
        const next = exists ? current.map((schedule) => (schedule.id === draft.id ? draft : schedule)) : [...current, draft];
        return commit(next, exists ? "Schedule saved." : "Schedule added.");
      },

      async setEnabled(scheduleId, enabled) {
        const next = saved().map((schedule) => (schedule.id === scheduleId ? { ...schedule, enabled } : schedule));
        const outcome = await commit(next, enabled ? "Schedule turned on." : "Schedule turned off.");
        if (!outcome.ok && outcome.error.code !== "conflict") set({ notice: { tone: "error", message: outcome.message } });
        return outcome;
      },

      async remove(scheduleId) {
        const next = saved().filter((schedule) => schedule.id !== scheduleId);
        const outcome = await commit(next, "Schedule deleted.");
        if (!outcome.ok && outcome.error.code !== "conflict") set({ notice: { tone: "error", message: outcome.message } });
        return outcome;
      },

      async runNow(scheduleId) {
        set((state) => ({ startingRunIds: [...state.startingRunIds, scheduleId], notice: null }));
        try {
          const started = await api.runNow(agentId, scheduleId);
          set({ notice: { tone: "success", message: "Run started. It shows under Runs, and you’ll get a notification when it ends." } });
          return started;
        } catch (error) {
          set({ notice: { tone: "error", message: errorMessageFor(asErrorPayload(error)) } });
          return null;
        } finally {
          set((state) => ({ startingRunIds: state.startingRunIds.filter((id) => id !== scheduleId) }));
        }
      },

      dismissNotice() {
        set({ notice: null });
      },

      reset() {
        set(initialSchedulesState(agentId));
      },
    };
  });
}

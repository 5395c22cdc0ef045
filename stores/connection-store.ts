import { create } from "zustand";

export type ConnectionStatus = "connecting" | "connected" | "reconnecting" | "offline";

interface ConnectionState {
  status: ConnectionStatus;
  /** Why the connection is not up, in words a person can act on. */
  problem: string | null;
  offlineDemoModel: boolean | null;
  lastConnectedAt: number | null;
}

interface ConnectionActions {
  setStatus(status: ConnectionStatus, problem?: string | null): void;
  setOfflineDemoModel(value: boolean): void;
  reset(): void;
}

const initialState: ConnectionState = {
  status: "connecting",
  problem: null,
  offlineDemoModel: null,
  lastConnectedAt: null,
};

export const useConnectionStore = create<ConnectionState & ConnectionActions>()((set) => ({
  ...initialState,
  setStatus: (status, problem = null) =>
    set((state) => ({
      status,
      problem,
      lastConnectedAt: status === "connected" ? Date.now() : state.lastConnectedAt,
    })),
  setOfflineDemoModel: (value) => set({ offlineDemoModel: value }),
  reset: () => set(initialState),
}));

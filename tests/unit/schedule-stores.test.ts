import { afterEach, describe, expect, it, vi } from "vitest";
import type { AgentResponse } from "@/lib/agent-api";
import { ApiError } from "@/lib/api-client";
import { maxSchedulesPerAgent, type Notification } from "@/lib/records";
import { schedulesPerAgentLimit, type ScheduleDraft, type SchedulesResponse, type ScheduleWithStatus } from "@/lib/schedule-api";
import { useNotificationsStore } from "@/stores/notifications-store";
import { conflictMessage, createSchedulesStore, type SchedulesApi } from "@/stores/schedules-store";
import { createVersionsStore, restoreConflictMessage, type VersionsApi } from "@/stores/versions-store";

const agentAt = (version: number) => ({ agent: { id: "agent-1", ownerId: "user-1", name: "Reporter", version } }) as unknown as AgentResponse;

const morning: ScheduleWithStatus = {
  id: "sched-1",
  cron: "0 9 * * 1-5",
  timezone: "Europe/Berlin",
  prompt: "Update the chart",
  enabled: true,
  missedRunPolicy: "skip",
  nextRunAt: "2026-11-26T08:00:00.000Z",
  lastFire: null,
  lastWebhook: null,
};

/** A stand-in server holding one agent's schedules and version, refusing stale edits like the real one. */
function fakeSchedulesServer() {
  const server = { version: 3, schedules: [morning] as ScheduleWithStatus[], saves: [] as ScheduleDraft[][] };
  const api: SchedulesApi = {
    fetchAgent: async () => agentAt(server.version),
    fetchSchedules: async (): Promise<SchedulesResponse> => ({ schedules: server.schedules, webhookSecret: null }),
    saveSchedules: async (_agentId, schedules, expectedVersion) => {
      if (expectedVersion !== server.version) throw new ApiError({ code: "conflict", message: "This agent was changed since you loaded it." }, 409);
      server.saves.push(schedules);
      server.version++;
      server.schedules = schedules.map((schedule, index) => ({ ...schedule, id: schedule.id ?? `sched-new-${index}`, nextRunAt: null, lastFire: null, lastWebhook: null }));
      return agentAt(server.version);
    },
    runNow: async () => ({ runId: "run-1", conversationId: "conv-1" }),
  };
  return { server, api };
}

describe("the schedules panel's store", () => {
  it("knows the same schedule limit as the server", () => {
    expect(schedulesPerAgentLimit).toBe(maxSchedulesPerAgent);
  });

  it("adds a schedule as an edit of the agent at the version it was read at, sending only stored fields", async () => {
    const { server, api } = fakeSchedulesServer();
    const store = createSchedulesStore("agent-1", api);
    await store.getState().load();
    expect(store.getState().agentVersion).toBe(3);

    const outcome = await store.getState().save({ cron: "* * * * *", timezone: "UTC", prompt: "Say hi", enabled: true, missedRunPolicy: "catch_up_once" });
    expect(outcome).toEqual({ ok: true });
    expect(server.saves[0]).toEqual([
      { id: "sched-1", cron: "0 9 * * 1-5", timezone: "Europe/Berlin", prompt: "Update the chart", enabled: true, missedRunPolicy: "skip" },
      { cron: "* * * * *", timezone: "UTC", prompt: "Say hi", enabled: true, missedRunPolicy: "catch_up_once" },
    ]);
    expect(store.getState().agentVersion).toBe(4);
    expect(store.getState().schedules).toHaveLength(2);
    expect(store.getState().notice).toEqual({ tone: "success", message: "Schedule added." });
  });

  it("when someone else changed the agent meanwhile, saves nothing, reloads and says so", async () => {
    const { server, api } = fakeSchedulesServer();
    const store = createSchedulesStore("agent-1", api);
    await store.getState().load();
    // Another tab turns the schedule off.
    server.version = 4;
    server.schedules = [{ ...morning, enabled: false }];

    const outcome = await store.getState().remove("sched-1");
    expect(outcome.ok).toBe(false);
    expect(server.saves).toEqual([]);
    expect(store.getState().notice).toEqual({ tone: "error", message: conflictMessage });
    expect(store.getState().agentVersion).toBe(4);
    expect(store.getState().schedules[0]?.enabled).toBe(false);

    // Made again from the reloaded list, the change goes through.
    expect((await store.getState().remove("sched-1")).ok).toBe(true);
    expect(server.saves).toEqual([[]]);
  });

  it("turns a schedule off without touching the others", async () => {
    const { server, api } = fakeSchedulesServer();
    server.schedules = [morning, { ...morning, id: "sched-2", prompt: "Other" }];
    const store = createSchedulesStore("agent-1", api);
    await store.getState().load();
    await store.getState().setEnabled("sched-2", false);
    expect(server.saves[0]?.map((schedule) => [schedule.id, schedule.enabled])).toEqual([
      ["sched-1", true],
      ["sched-2", false],
    ]);
  });
});

describe("the versions panel's store", () => {
  function fakeVersionsServer() {
    const server = { version: 3, rollbacks: [] as number[] };
    const api: VersionsApi = {
      fetchAgent: async () => agentAt(server.version),
      fetchVersions: async () => ({
        versions: Array.from({ length: server.version }, (_, index) => ({
          agentId: "agent-1",
          version: index + 1,
          config: { name: "Reporter", description: "", instructions: `v${index + 1}`, model: "m", schedules: [] },
          createdAt: new Date(2026, 0, index + 1).toISOString(),
          createdBy: "user-1",
          createdByName: null,
        })),
      }),
      rollback: async (_agentId, version, expectedVersion) => {
        if (expectedVersion !== server.version) throw new ApiError({ code: "conflict", message: "Changed meanwhile." }, 409);
        server.rollbacks.push(version);
        server.version++;
        return agentAt(server.version);
      },
    };
    return { server, api };
  }

  it("lists versions newest first and restores one as a new version", async () => {
    const { server, api } = fakeVersionsServer();
    const store = createVersionsStore("agent-1", api);
    await store.getState().load();
    expect(store.getState().versions.map((entry) => entry.version)).toEqual([3, 2, 1]);

    expect(await store.getState().restore(1)).toBe(true);
    expect(server.rollbacks).toEqual([1]);
    expect(store.getState().versions.map((entry) => entry.version)).toEqual([4, 3, 2, 1]);
    expect(store.getState().notice?.message).toBe("Restored version 1. It is now version 4; nothing was deleted.");
  });

  it("refuses a restore made from a stale list, and reloads it", async () => {
    const { server, api } = fakeVersionsServer();
    const store = createVersionsStore("agent-1", api);
    await store.getState().load();
    server.version = 5;
    expect(await store.getState().restore(1)).toBe(false);
    expect(server.rollbacks).toEqual([]);
    expect(store.getState().notice).toEqual({ tone: "error", message: restoreConflictMessage });
    expect(store.getState().agent?.version).toBe(5);
  });

  it("keeps at most two versions picked for comparing", () => {
    const store = createVersionsStore("agent-1", fakeVersionsServer().api);
    store.getState().toggleSelected(1);
    store.getState().toggleSelected(2);
    store.getState().toggleSelected(3);
    expect(store.getState().selected).toEqual([2, 3]);
    store.getState().toggleSelected(2);
    expect(store.getState().selected).toEqual([3]);
  });
});

describe("the notifications store", () => {
  const finished = (id: string, createdAt: string): Notification => ({
    id,
    userId: "user-1",
    kind: "run_complete",
    title: "Morning report finished",
    body: "",
    agentId: "agent-1",
    conversationId: "conv-1",
    createdAt,
  });

  afterEach(() => {
    useNotificationsStore.getState().reset();
    vi.unstubAllGlobals();
  });

  it("counts a new notification once, newest first, and shows it as a toast", () => {
    const store = useNotificationsStore.getState();
    store.receive(finished("n-1", "2026-11-25T09:00:00.000Z"));
    store.receive(finished("n-2", "2026-11-25T10:00:00.000Z"));
    store.receive(finished("n-2", "2026-11-25T10:00:00.000Z"));
    const state = useNotificationsStore.getState();
    expect(state.unreadCount).toBe(2);
    expect(state.notifications.map((item) => item.id)).toEqual(["n-2", "n-1"]);
    expect(state.toasts.map((item) => item.id)).toEqual(["n-2", "n-1"]);
  });

  it("marks all read at once, and puts the count back if the server refuses", async () => {
    const store = useNotificationsStore.getState();
    store.receive(finished("n-1", "2026-11-25T09:00:00.000Z"));
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ error: { code: "internal", message: "Down." } }), { status: 500 }));
    vi.stubGlobal("fetch", fetchMock);
    await useNotificationsStore.getState().markAllRead();
    expect(fetchMock).toHaveBeenCalledWith("/api/notifications/read", expect.objectContaining({ method: "POST", body: "{}" }));
    expect(useNotificationsStore.getState().unreadCount).toBe(1);

    fetchMock.mockImplementation(async () => new Response(JSON.stringify({ updated: 1 }), { status: 200 }));
    await useNotificationsStore.getState().markAllRead();
    expect(useNotificationsStore.getState().unreadCount).toBe(0);
    expect(useNotificationsStore.getState().notifications[0]?.readAt).toBeDefined();
  });
});

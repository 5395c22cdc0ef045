import { describe, expect, it } from "vitest";

import type { Agent, Schedule } from "../../lib/records";
import { WorkspaceActivity } from "../../server/workspaces/workspace-activity";
import { sweepIdleWorkspaces } from "../../server/workspaces/workspace-idle-sweeper";
import { scheduledRunDueSoon } from "../../server/workspaces/scheduled-runs-due";
import type { WorkspaceRuntime, WorkspaceSummary } from "../../server/workspaces/workspace-runtime";

const minute = 60_000;

function fakeRuntime(userIds: string[]) {
  const stopped: string[] = [];
  const workspaces: WorkspaceSummary[] = userIds.map((userId) => ({ userId, id: `id-${userId}`, name: `agent-ws-${userId}`, state: "running" }));
  const runtime = {
    listWorkspaces: async () => workspaces.filter((w) => !stopped.includes(w.userId)),
    stopWorkspace: async (userId: string) => void stopped.push(userId),
  } as unknown as WorkspaceRuntime;
  return { runtime, stopped };
}

function idleActivity(userIds: string[], clock: { now: number }) {
  const activity = new WorkspaceActivity(() => clock.now);
  for (const userId of userIds) activity.touch(userId);
  clock.now += 60 * minute;
  return activity;
}

function schedule(cron: string, enabled = true): Schedule {
  return { id: `s-${cron.replace(/\W/g, "")}`, cron, timezone: "UTC", prompt: "report", enabled, missedRunPolicy: "skip" };
}

function agentWith(ownerId: string, schedules: Schedule[]): Agent {
  return { id: `agent-${ownerId}`, ownerId, schedules } as unknown as Agent;
}

describe("agent-aware culling", () => {
  it("never stops a workspace with a run in progress, however long it has been idle", async () => {
    const clock = { now: 0 };
    const { runtime, stopped } = fakeRuntime(["ann", "bob"]);
    const activity = idleActivity(["ann", "bob"], clock);
    const release = activity.beginRun("ann");
    clock.now += 60 * minute;
    expect(await sweepIdleWorkspaces({ runtime, activity, idleMs: 30 * minute })).toEqual(["bob"]);
    expect(stopped).toEqual(["bob"]);
    release();
  });

  it("keeps a workspace whose owner has a scheduled run due soon, and one whose check fails", async () => {
    const clock = { now: 0 };
    const { runtime, stopped } = fakeRuntime(["ann", "bob", "cat"]);
    const activity = idleActivity(["ann", "bob", "cat"], clock);
    const hasScheduledRunDueSoon = async (userId: string) => {
      if (userId === "cat") throw new Error("store unreachable");
      return userId === "ann";
    };
    expect(await sweepIdleWorkspaces({ runtime, activity, idleMs: 30 * minute, hasScheduledRunDueSoon })).toEqual(["bob"]);
    expect(stopped).toEqual(["bob"]);
  });

  it("does not stop a workspace whose run began while the schedule check was waiting", async () => {
    const clock = { now: 0 };
    const { runtime, stopped } = fakeRuntime(["ann"]);
    const activity = idleActivity(["ann"], clock);
    const hasScheduledRunDueSoon = async () => {
      activity.beginRun("ann");
      return false;
    };
    expect(await sweepIdleWorkspaces({ runtime, activity, idleMs: 30 * minute, hasScheduledRunDueSoon })).toEqual([]);
    expect(stopped).toEqual([]);
  });

  it("knows whose enabled schedules fire within the next few minutes", async () => {
    // 10:57 UTC: "0 11 * * *" fires in 3 minutes, "0 12 * * *" in 63, and a disabled one does not count.
    const now = Date.parse("2026-11-25T10:57:00Z");
    const agents = [
      agentWith("ann", [schedule("0 11 * * *")]),
      agentWith("bob", [schedule("0 12 * * *")]),
      agentWith("cat", [schedule("0 11 * * *", false)]),
    ];
    let lookups = 0;
    const store = {
      listAgentsWithEnabledSchedules: async () => {
        lookups += 1;
        return agents;
      },
    };
    const dueSoon = scheduledRunDueSoon({ store, withinMs: 5 * minute, now: () => now });
    expect(await dueSoon("ann")).toBe(true);
    expect(await dueSoon("bob")).toBe(false);
    expect(await dueSoon("cat")).toBe(false);
    // One sweep asks for every workspace: the store is read once.
    expect(lookups).toBe(1);
  });
});

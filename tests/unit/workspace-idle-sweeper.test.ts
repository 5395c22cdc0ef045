import { describe, expect, it } from "vitest";

import { WorkspaceActivity } from "../../server/workspaces/workspace-activity";
import { sweepIdleWorkspaces } from "../../server/workspaces/workspace-idle-sweeper";
import type { WorkspaceRuntime, WorkspaceSummary } from "../../server/workspaces/workspace-runtime";

const minute = 60_000;

function fakeRuntime(workspaces: WorkspaceSummary[]) {
  const stopped: string[] = [];
  const removed: string[] = [];
  const runtime = {
    listWorkspaces: async () => workspaces.filter((w) => !stopped.includes(w.userId) && !removed.includes(w.userId)),
    stopWorkspace: async (userId: string) => void stopped.push(userId),
    removeWorkspace: async (userId: string) => void removed.push(userId),
  } as unknown as WorkspaceRuntime;
  return { runtime, stopped, removed };
}

function running(userId: string): WorkspaceSummary {
  return { userId, id: `id-${userId}`, name: `agent-ws-${userId}`, state: "running" };
}

describe("workspace activity", () => {
  it("knows how long a workspace has been idle and whether a run is going on", () => {
    let now = 0;
    const activity = new WorkspaceActivity(() => now);
    expect(activity.idleForMs("ann")).toBeUndefined();
    activity.touch("ann");
    now = 5 * minute;
    expect(activity.idleForMs("ann")).toBe(5 * minute);
    const release = activity.beginRun("ann");
    expect(activity.isBusy("ann")).toBe(true);
    now = 9 * minute;
    release();
    release();
    expect(activity.isBusy("ann")).toBe(false);
    expect(activity.idleForMs("ann")).toBe(0);
  });
});

describe("idle sweeper", () => {
  it("stops workspaces idle for too long and keeps the others", async () => {
    let now = 0;
    const activity = new WorkspaceActivity(() => now);
    const { runtime, stopped } = fakeRuntime([running("idle"), running("recent"), { ...running("off"), state: "stopped" }]);
    activity.touch("idle");
    now = 20 * minute;
    activity.touch("recent");
    now = 31 * minute;
    expect(await sweepIdleWorkspaces({ runtime, activity, idleMs: 30 * minute })).toEqual(["idle"]);
    expect(stopped).toEqual(["idle"]);
  });

  it("never stops a workspace while an agent runs in it", async () => {
    let now = 0;
    const activity = new WorkspaceActivity(() => now);
    const { runtime, stopped } = fakeRuntime([running("busy")]);
    const release = activity.beginRun("busy");
    now = 120 * minute;
    expect(await sweepIdleWorkspaces({ runtime, activity, idleMs: 30 * minute })).toEqual([]);
    release();
    now = 151 * minute;
    expect(await sweepIdleWorkspaces({ runtime, activity, idleMs: 30 * minute })).toEqual(["busy"]);
    expect(stopped).toEqual(["busy"]);
  });

  it("gives workspaces found after a server restart a full idle period", async () => {
    let now = 0;
    const activity = new WorkspaceActivity(() => now);
    const { runtime, stopped } = fakeRuntime([running("found")]);
    expect(await sweepIdleWorkspaces({ runtime, activity, idleMs: 30 * minute })).toEqual([]);
    now = 29 * minute;
    expect(await sweepIdleWorkspaces({ runtime, activity, idleMs: 30 * minute })).toEqual([]);
    now = 31 * minute;
    expect(await sweepIdleWorkspaces({ runtime, activity, idleMs: 30 * minute })).toEqual(["found"]);
    expect(stopped).toEqual(["found"]);
  });

  it("can remove instead of stop", async () => {
    let now = 0;
    const activity = new WorkspaceActivity(() => now);
    const { runtime, removed } = fakeRuntime([running("idle")]);
    activity.touch("idle");
    now = 31 * minute;
    await sweepIdleWorkspaces({ runtime, activity, idleMs: 30 * minute, action: "remove" });
    expect(removed).toEqual(["idle"]);
  });
});

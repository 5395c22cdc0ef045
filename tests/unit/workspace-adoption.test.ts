import { describe, expect, it } from "vitest";
import { adoptWorkspaces } from "../../server/workspaces/workspace-adoption";
import { WorkspaceActivity } from "../../server/workspaces/workspace-activity";
import type { WorkspaceHandle, WorkspaceRuntime, WorkspaceSummary } from "../../server/workspaces/workspace-runtime";

/** A runtime that lists the given workspaces and records which ones had a command run in them. */
function fakeRuntime(workspaces: WorkspaceSummary[], endedPerWorkspace = "2\n") {
  const execs: { userId: string; command: readonly string[] }[] = [];
  const runtime = {
    listWorkspaces: async () => workspaces,
    ensureWorkspace: async (userId: string): Promise<WorkspaceHandle> => ({ userId, id: `c-${userId}`, name: `ws-${userId}`, generation: "g1", provisioning: "reused" }),
    exec: async (workspace: WorkspaceHandle, command: readonly string[]) => {
      execs.push({ userId: workspace.userId, command });
      return { exitCode: 0, stdout: endedPerWorkspace, stderr: "", timedOut: false };
    },
  } as unknown as WorkspaceRuntime;
  return { runtime, execs };
}

const summary = (userId: string, state: WorkspaceSummary["state"]): WorkspaceSummary => ({ userId, id: `c-${userId}`, name: `ws-${userId}`, state });

describe("adopting the previous server's workspaces", () => {
  it("counts every running workspace as used now, and ends leftover processes only where a run was cut off", async () => {
    const { runtime, execs } = fakeRuntime([summary("ann", "running"), summary("bob", "running"), summary("cy", "stopped")]);
    const activity = new WorkspaceActivity(() => 1_000);

    const result = await adoptWorkspaces(runtime, activity, ["bob", "cy", "someone-else"]);

    expect(result).toEqual({ adopted: 2, endedProcesses: 2 });
    // Only bob: ann had no run in flight, cy's container is stopped (its processes died with it).
    expect(execs.map((exec) => exec.userId)).toEqual(["bob"]);
    expect(execs[0]!.command.join(" ")).toContain("AGENT_PLATFORM_PROCESS_ID=");
    expect(activity.idleForMs("ann")).toBe(0);
    expect(activity.idleForMs("bob")).toBe(0);
    expect(activity.idleForMs("cy")).toBeUndefined();
  });

  it("does nothing to any process when no run was cut off", async () => {
    const { runtime, execs } = fakeRuntime([summary("ann", "running")]);
    expect(await adoptWorkspaces(runtime, new WorkspaceActivity(), [])).toEqual({ adopted: 1, endedProcesses: 0 });
    expect(execs).toEqual([]);
  });

  it("keeps going when one workspace cannot be reached", async () => {
    const { runtime, execs } = fakeRuntime([summary("ann", "running"), summary("bob", "running")]);
    const failing = { ...runtime, ensureWorkspace: async (userId: string) => (userId === "ann" ? Promise.reject(new Error("engine said no")) : runtime.ensureWorkspace(userId)) } as WorkspaceRuntime;
    expect(await adoptWorkspaces(failing, new WorkspaceActivity(), ["ann", "bob"])).toEqual({ adopted: 2, endedProcesses: 2 });
    expect(execs.map((exec) => exec.userId)).toEqual(["bob"]);
  });
});

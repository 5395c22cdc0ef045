import { describe, expect, it } from "vitest";

import { WorkspaceActivity } from "../../server/workspaces/workspace-activity";

describe("workspace activity as the idle sweeper reads it", () => {
  it("answers usage with what it knows in this process", async () => {
    let now = 0;
    const activity = new WorkspaceActivity(() => now);
    expect(await activity.usage("ann")).toEqual({ busy: false, idleForMs: undefined });
    const release = activity.beginRun("ann");
    now = 4_000;
    expect(await activity.usage("ann")).toEqual({ busy: true, idleForMs: 4_000 });
    release();
    now = 5_000;
    expect(await activity.usage("ann")).toEqual({ busy: false, idleForMs: 1_000 });
  });

  it("tells a listener of every change, once each, so another server can be told too", () => {
    let now = 0;
    const heard: { userId: string; mark: ReturnType<WorkspaceActivity["markOf"]> }[] = [];
    const activity: WorkspaceActivity = new WorkspaceActivity(
      () => now,
      (userId) => heard.push({ userId, mark: activity.markOf(userId) }),
    );
    activity.touch("ann");
    now = 1_000;
    const release = activity.beginRun("ann");
    expect(activity.usersWithRuns()).toEqual(["ann"]);
    now = 2_000;
    release();
    release();
    activity.forget("ann");
    expect(heard).toEqual([
      { userId: "ann", mark: { lastActiveAt: 0, runs: 0 } },
      { userId: "ann", mark: { lastActiveAt: 1_000, runs: 1 } },
      { userId: "ann", mark: { lastActiveAt: 2_000, runs: 0 } },
      { userId: "ann", mark: undefined },
    ]);
    expect(activity.usersWithRuns()).toEqual([]);
  });
});

import type { WorkspaceActivity } from "../workspaces/workspace-activity";
import type { WorkspaceRuntime } from "../workspaces/workspace-runtime";
import type { MetricSources } from "./platform-metrics";

export interface MetricSourceParts {
  runner: { liveProcessCount: number; liveCliCap: number; queuedTurnCount: number };
  runtime: Pick<WorkspaceRuntime, "listWorkspaces">;
  activity: Pick<WorkspaceActivity, "isBusy">;
  socketsConnected(): number;
}

/** The gauges' readings, taken from the parts that know them at the moment of a scrape. */
export function platformMetricSources(parts: MetricSourceParts): MetricSources {
  return {
    socketsConnected: parts.socketsConnected,
    liveClis: () => parts.runner.liveProcessCount,
    liveCliCap: () => parts.runner.liveCliCap,
    runQueueLength: () => parts.runner.queuedTurnCount,
    workspaces: async () => {
      const counts = { running: 0, idle: 0, stopped: 0 };
      for (const workspace of await parts.runtime.listWorkspaces()) {
        if (workspace.state === "running") {
          counts.running += 1;
          if (!parts.activity.isBusy(workspace.userId)) counts.idle += 1;
        } else if (workspace.state === "stopped") counts.stopped += 1;
      }
      return counts;
    },
  };
}

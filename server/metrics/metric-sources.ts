import type { WorkspaceActivityView } from "../workspaces/workspace-activity";
import type { WorkspaceRuntime } from "../workspaces/workspace-runtime";
import type { MetricSources } from "./platform-metrics";

export interface MetricSourceParts {
  runner: { liveProcessCount: number; liveCliCap: number; queuedTurnCount: number; startsInProgress: number; cliStartCap: number };
  runtime: Pick<WorkspaceRuntime, "listWorkspaces">;
  /** Every server's activity when several share the workspaces: a workspace in use on another is not idle. */
  activity: Pick<WorkspaceActivityView, "usage">;
  socketsConnected(): number;
  /** Ready warm-pool slots; none without a pool. */
  warmPoolReady?(): number;
}

/** The gauges' readings, taken from the parts that know them at the moment of a scrape. */
export function platformMetricSources(parts: MetricSourceParts): MetricSources {
  return {
    socketsConnected: parts.socketsConnected,
    liveClis: () => parts.runner.liveProcessCount,
    liveCliCap: () => parts.runner.liveCliCap,
    runQueueLength: () => parts.runner.queuedTurnCount,
    cliStarting: () => parts.runner.startsInProgress,
    cliStartCap: () => parts.runner.cliStartCap,
    warmPoolReady: () => parts.warmPoolReady?.() ?? 0,
    workspaces: async () => {
      const counts = { running: 0, idle: 0, stopped: 0 };
      for (const workspace of await parts.runtime.listWorkspaces()) {
        if (workspace.state === "running") {
          counts.running += 1;
          if (!(await parts.activity.usage(workspace.userId)).busy) counts.idle += 1;
        } else if (workspace.state === "stopped") counts.stopped += 1;
      }
      return counts;
    },
  };
}

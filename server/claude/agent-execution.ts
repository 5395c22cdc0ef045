import type Docker from "dockerode";

import type { PlatformConfig } from "../config";
import { DockerWorkspaceRuntime, dockerWorkspaceOptionsFromConfig } from "../workspaces/docker-workspace-runtime";
import { WorkspaceActivity } from "../workspaces/workspace-activity";
import { startIdleSweeper, type IdleSweeper } from "../workspaces/workspace-idle-sweeper";
import type { WorkspaceRuntime } from "../workspaces/workspace-runtime";
import { ClaudeRunner, claudeRunnerOptionsFromConfig } from "./claude-runner";

/** Everything that runs agents, wired once: the workspaces, the runner and the idle sweeper share one activity record. */
export interface AgentExecution {
  runtime: WorkspaceRuntime;
  activity: WorkspaceActivity;
  runner: ClaudeRunner;
  sweeper: IdleSweeper;
  shutdown(): Promise<void>;
}

export function createAgentExecution(config: PlatformConfig, docker: Docker): AgentExecution {
  const activity = new WorkspaceActivity();
  const runtime = new DockerWorkspaceRuntime(docker, dockerWorkspaceOptionsFromConfig(config, activity));
  const runner = new ClaudeRunner(claudeRunnerOptionsFromConfig(config, runtime, activity));
  const sweeper = startIdleSweeper({ runtime, activity, idleMs: config.WORKSPACE_IDLE_MINUTES * 60_000 });
  return {
    runtime,
    activity,
    runner,
    sweeper,
    async shutdown() {
      sweeper.stop();
      // Workspaces keep running: a restarted server finds and reuses them.
      await runner.shutdown();
    },
  };
}

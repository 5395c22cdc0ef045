export type {
  WorkspaceExecOptions,
  WorkspaceExecResult,
  WorkspaceHandle,
  WorkspaceProcess,
  WorkspaceProcessExit,
  WorkspaceRuntime,
  WorkspaceSpawnOptions,
  WorkspaceState,
  WorkspaceSummary,
} from "./workspace-runtime";
export { DockerWorkspaceRuntime, dockerWorkspaceOptionsFromConfig, type DockerWorkspaceOptions } from "./docker-workspace-runtime";
export { WorkspaceActivity } from "./workspace-activity";
export { startIdleSweeper, sweepIdleWorkspaces, type IdleSweeper, type IdleSweepOptions } from "./workspace-idle-sweeper";
export {
  agentPaths,
  assertValidAgentId,
  isValidAgentId,
  workspaceContainerName,
  workspaceVolumeName,
  type AgentPaths,
} from "./workspace-names";
export { isTransientDockerError, withDockerRetry, type RetryPolicy } from "./docker-retry";

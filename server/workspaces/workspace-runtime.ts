import type { EventEmitter } from "node:events";
import type { Readable, Writable } from "node:stream";

import type { WorkspaceDiskUsage } from "../../lib/workspace-disk";
import type { AgentPaths } from "./workspace-names";

/**
 * Where a user's workspace runs. Docker today; kept small so a Kubernetes pod (exec over the
 * API server, a PersistentVolumeClaim instead of a named volume) can implement the same thing.
 */
export interface WorkspaceRuntime {
  /** Reuses a running workspace, starts a stopped one or creates a missing one, then checks it answers. */
  ensureWorkspace(userId: string): Promise<WorkspaceHandle>;
  /** Creates the agent's working directory and Claude config directory on the user's volume. */
  ensureAgentPaths(workspace: WorkspaceHandle, agentId: string): Promise<AgentPaths>;
  /** Runs a command to completion (argv, never a shell string) and collects its output. */
  exec(workspace: WorkspaceHandle, command: readonly string[], options?: WorkspaceExecOptions): Promise<WorkspaceExecResult>;
  /** Starts a long-lived process with piped stdin/stdout/stderr (the Claude CLI). */
  spawn(workspace: WorkspaceHandle, command: readonly string[], options?: WorkspaceSpawnOptions): WorkspaceProcess;
  /** False once the workspace this handle points at has stopped, been removed or restarted. */
  isCurrent(workspace: WorkspaceHandle): Promise<boolean>;
  /** Stops the workspace (processes end, files stay). */
  stopWorkspace(userId: string): Promise<void>;
  /** Removes the workspace but keeps the user's files for the next ensureWorkspace. */
  removeWorkspace(userId: string): Promise<void>;
  /** Removes the workspace AND the user's files: for account deletion. */
  deleteUserWorkspace(userId: string): Promise<void>;
  /** Every workspace the platform created, found by label so a restarted server sees them too. */
  listWorkspaces(): Promise<WorkspaceSummary[]>;
  /** The disk quota of one workspace in bytes (WORKSPACE_DISK_MB), or null when there is none. */
  diskLimitBytes(): Promise<number | null>;
  /** Used and total bytes of the workspace's disk, for the Files panel. */
  diskUsage(workspace: WorkspaceHandle): Promise<WorkspaceDiskUsage>;
}

export interface WorkspaceHandle {
  readonly userId: string;
  /** Container id (or pod uid). */
  readonly id: string;
  readonly name: string;
  /** Changes whenever the workspace (re)starts; processes from an older generation are gone. */
  readonly generation: string;
  /** What ensureWorkspace had to do, for logs and measurements. */
  readonly provisioning: "reused" | "started" | "created";
}

export type WorkspaceState = "running" | "stopped" | "other";

export interface WorkspaceSummary {
  readonly userId: string;
  readonly id: string;
  readonly name: string;
  readonly state: WorkspaceState;
}

export interface WorkspaceExecOptions {
  cwd?: string;
  env?: Readonly<Record<string, string>>;
  /** "uid:gid"; the workspace user (1000:1000) unless given. */
  user?: string;
  stdin?: string | Buffer;
  /** The process is killed after this long; `timedOut` tells. */
  timeoutMs?: number;
}

export interface WorkspaceExecResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface WorkspaceSpawnOptions {
  cwd?: string;
  env?: Readonly<Record<string, string | undefined>>;
  user?: string;
}

/**
 * A process inside a workspace. Shaped like the parts of ChildProcess the Claude Agent SDK's
 * `SpawnedProcess` needs, so it can be handed to `spawnClaudeCodeProcess` as is.
 */
export interface WorkspaceProcess extends EventEmitter {
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly killed: boolean;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  /** Settles once the process has ended (also when it could not be started). */
  readonly exited: Promise<WorkspaceProcessExit>;
  /** Signals the process and everything it started; returns at once like ChildProcess.kill. */
  kill(signal?: NodeJS.Signals): boolean;
}

export interface WorkspaceProcessExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started or its stream broke. */
  error?: Error;
}

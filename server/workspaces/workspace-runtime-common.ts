import { PassThrough } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { Mutex } from "async-mutex";

import { AppError } from "../../lib/errors";
import { killMarkedCommand } from "./workspace-process-base";
import { mentionsFullDisk, workspaceFullMessage, type WorkspaceDiskUsage } from "../../lib/workspace-disk";
import { agentPaths, WORKSPACE_ROOT, type AgentPaths } from "./workspace-names";
import type { WorkspaceExecResult, WorkspaceHandle, WorkspaceRuntime } from "./workspace-runtime";

/*
 * What the Docker and the Kubernetes runtimes do the same way, whatever the workspace runs on.
 */

const MAX_EXEC_OUTPUT_BYTES = 1_000_000;

export interface ExecOutput {
  /** Where the exec writes one of its streams. */
  sink: PassThrough;
  /** What arrived, cut at MAX_EXEC_OUTPUT_BYTES. */
  text: () => string;
}

export function collectExecOutput(): ExecOutput {
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new PassThrough();
  sink.on("data", (chunk: Buffer) => {
    if (size >= MAX_EXEC_OUTPUT_BYTES) return;
    chunks.push(chunk.subarray(0, MAX_EXEC_OUTPUT_BYTES - size));
    size += chunk.length;
  });
  return { sink, text: () => Buffer.concat(chunks).toString("utf8") };
}

export interface ExecTimeout {
  /** Unset: the command may take as long as it takes. */
  timeoutMs: number | undefined;
  /** The marker variable's value in the command's environment (see PROCESS_MARKER_VARIABLE). */
  marker: string;
  /** Runs the kill command in the same workspace. */
  runKill: (command: string[]) => Promise<void>;
}

/** Waits for an exec to end; once `timeoutMs` has passed, the command is killed by its marker and `timedOut` says so. */
export async function untilExecEnds<T>(ended: Promise<T>, timeout: ExecTimeout): Promise<{ result: T; timedOut: boolean }> {
  let timedOut = false;
  const timer =
    timeout.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          void timeout.runKill(killMarkedCommand(timeout.marker, "SIGKILL")).catch(() => undefined);
        }, timeout.timeoutMs);
  try {
    const result = await ended;
    return { result, timedOut };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Creates the agent's working directory and Claude config directory through the runtime's exec. */
export async function prepareAgentPaths(
  runtime: Pick<WorkspaceRuntime, "exec" | "diskLimitBytes">,
  workspace: WorkspaceHandle,
  agentId: string,
): Promise<AgentPaths> {
  const paths = agentPaths(agentId);
  await assertAgentFolderMade(runtime, await runtime.exec(workspace, ["mkdir", "-p", paths.workdir, paths.claudeConfigDir]));
  return paths;
}

/** The one error a person sees when the agent's folders could not be made, whichever exec made them. */
export async function assertAgentFolderMade(
  runtime: Pick<WorkspaceRuntime, "diskLimitBytes">,
  result: Pick<WorkspaceExecResult, "exitCode" | "stderr">,
): Promise<void> {
  if (result.exitCode !== 0 && mentionsFullDisk(result.stderr)) {
    throw new AppError("workspace_full", workspaceFullMessage(await runtime.diskLimitBytes()));
  }
  if (result.exitCode !== 0) {
    throw new AppError("workspace_unavailable", `Could not prepare the agent's folder: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
  }
}

/**
 * How much of the workspace's disk is used, and of how much: with a limit, `df` of the volume (its
 * own filesystem: a loop-mounted image or a PersistentVolumeClaim) against the limit; without,
 * `du` of the files (df would tell the host's disk). Measured inside the workspace, so both
 * runtimes answer the same way.
 */
export async function measureWorkspaceDisk(
  runtime: Pick<WorkspaceRuntime, "exec">,
  workspace: WorkspaceHandle,
  totalBytes: number | null,
): Promise<WorkspaceDiskUsage> {
  const command = totalBytes === null ? ["du", "-sxb", WORKSPACE_ROOT] : ["df", "-B1", "--output=used", WORKSPACE_ROOT];
  const result = await runtime.exec(workspace, command, { timeoutMs: 10_000 });
  // df prints a header line ("Used"); the figure is on the last line either way. du exits 1 on an
  // unreadable folder yet prints the total of the rest; a timeout prints nothing.
  const figure = /^\s*(\d+)/.exec(result.stdout.trim().split("\n").at(-1) ?? "")?.[1];
  if (figure === undefined) {
    throw new AppError("workspace_unavailable", `Could not measure the workspace's disk: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
  }
  const usedBytes = Number(figure);
  return { usedBytes: totalBytes === null ? usedBytes : Math.min(usedBytes, totalBytes), totalBytes };
}

/** A workspace that has just (re)started is ready once an exec of `true` answers. */
export async function waitUntilAnswering(
  runtime: Pick<WorkspaceRuntime, "exec">,
  handle: WorkspaceHandle,
  wait: { deadline: number; pollIntervalMs: number },
): Promise<void> {
  let lastError: unknown;
  while (Date.now() < wait.deadline) {
    try {
      const result = await runtime.exec(handle, ["true"], { timeoutMs: 5_000 });
      if (result.exitCode === 0) return;
      lastError = new Error(`readiness check exited with ${result.exitCode}: ${result.stderr.trim()}`);
    } catch (error) {
      lastError = error;
    }
    await sleep(wait.pollIntervalMs);
  }
  throw new AppError("workspace_unavailable", `The workspace ${handle.name} did not become ready in time.`, { cause: lastError });
}

/** Lifecycle operations for one user run one after another (ensure, stop, remove, delete); users go side by side. */
export class UserLifecycleQueue {
  private readonly userLocks = new Map<string, Mutex>();
  /** Concurrent ensureWorkspace calls for one user share one attempt. */
  private readonly pendingEnsures = new Map<string, Promise<WorkspaceHandle>>();

  /** Joins the ensure already queued for the user, or queues one. */
  ensure(userId: string, ensureNow: () => Promise<WorkspaceHandle>): Promise<WorkspaceHandle> {
    const pending = this.pendingEnsures.get(userId);
    if (pending) return pending;
    const attempt = this.serialize(userId, ensureNow).finally(() => {
      if (this.pendingEnsures.get(userId) === attempt) this.pendingEnsures.delete(userId);
    });
    this.pendingEnsures.set(userId, attempt);
    return attempt;
  }

  /** Queues a stop, remove or delete: an ensure queued before it is not joined by callers after it. */
  change<T>(userId: string, operation: () => Promise<T>): Promise<T> {
    this.pendingEnsures.delete(userId);
    return this.serialize(userId, operation);
  }

  private serialize<T>(userId: string, operation: () => Promise<T>): Promise<T> {
    const lock = this.userLocks.get(userId) ?? new Mutex();
    this.userLocks.set(userId, lock);
    return lock.runExclusive(operation).finally(() => {
      // Nobody holds or waits for it any more: drop it, so the map holds only busy users.
      if (!lock.isLocked() && this.userLocks.get(userId) === lock) this.userLocks.delete(userId);
    });
  }
}

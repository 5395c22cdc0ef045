import { randomUUID } from "node:crypto";
import { PassThrough, type Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiException, CoreV1Api, type KubeConfig, type V1PersistentVolumeClaim, type V1Pod } from "@kubernetes/client-node";

import { AppError } from "../../lib/errors";
import type { WorkspaceDiskUsage } from "../../lib/workspace-disk";
import type { PlatformConfig } from "../config";
import { logger } from "../logger";
import { defaultRetryPolicy, dockerStatusCode, withDockerRetry, type RetryPolicy } from "./docker-retry";
import { KubernetesWorkspaceProcess, podExecCommand, startPodExec, type PodExecSession, type PodExecStreams } from "./kubernetes-exec";
import {
  USER_ID_ANNOTATION,
  WORKSPACE_CONTAINER_NAME,
  workspaceClaim,
  workspaceClaimName,
  workspaceLabelSelector,
  workspacePod,
  workspacePodName,
} from "./kubernetes-objects";
import { serverProcessEnv } from "./server-processes";
import type { WorkspaceActivity } from "./workspace-activity";
import { WORKSPACE_GID, WORKSPACE_UID, type AgentPaths } from "./workspace-names";
import { PROCESS_MARKER_VARIABLE } from "./workspace-process-base";
import { collectExecOutput, measureWorkspaceDisk, prepareAgentPaths, untilExecEnds, UserLifecycleQueue, waitUntilAnswering, type ExecOutput } from "./workspace-runtime-common";
import type {
  WorkspaceExecOptions,
  WorkspaceExecResult,
  WorkspaceHandle,
  WorkspaceProcess,
  WorkspaceRuntime,
  WorkspaceSpawnOptions,
  WorkspaceState,
  WorkspaceSummary,
} from "./workspace-runtime";

export interface KubernetesWorkspaceOptions {
  namespace: string;
  image: string;
  memoryMb: number;
  cpus: number;
  /** What the scheduler reserves per pod; capped at the limits. */
  requests: { memoryMb: number; cpus: number };
  tmpfsMb: number;
  /** Size of each user's claim in MB: their disk quota. */
  volumeMb: number;
  storageClassName?: string;
  retry: RetryPolicy;
  /** Scheduling, pulling the image and attaching the volume take far longer than a container start. */
  readinessTimeoutMs: number;
  /** How long a deleted pod may take to go (its grace period is 5 s). */
  deletionTimeoutMs: number;
  pollIntervalMs: number;
  /** Notified on every ensure/exec/spawn so the idle sweeper knows the workspace is in use. */
  activity?: WorkspaceActivity;
  /** This server's INSTANCE_ID, marked on every process it spawns (see server-processes.ts). */
  instanceId?: string;
}

// An idle workspace with one live CLI uses ~180 MB and next to no CPU; the limits stay the ceiling.
const DEFAULT_REQUESTS = { memoryMb: 256, cpus: 0.1 };

export function kubernetesWorkspaceOptionsFromConfig(config: PlatformConfig, activity?: WorkspaceActivity, instanceId?: string): KubernetesWorkspaceOptions {
  return {
    instanceId,
    activity,
    namespace: config.WORKSPACE_NAMESPACE,
    image: config.WORKSPACE_IMAGE,
    memoryMb: config.WORKSPACE_MEMORY_MB,
    cpus: config.WORKSPACE_CPUS,
    requests: DEFAULT_REQUESTS,
    tmpfsMb: 256,
    // A claim always has a size: WORKSPACE_DISK_MB=0 ("no limit") falls back to WORKSPACE_VOLUME_GB.
    volumeMb: config.WORKSPACE_DISK_MB > 0 ? config.WORKSPACE_DISK_MB : config.WORKSPACE_VOLUME_GB * 1024,
    storageClassName: config.WORKSPACE_STORAGE_CLASS,
    retry: defaultRetryPolicy,
    readinessTimeoutMs: 180_000,
    deletionTimeoutMs: 60_000,
    pollIntervalMs: 500,
  };
}

/** Waiting reasons a pod does not recover from by itself. */
const STUCK_REASONS = new Set(["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError"]);

/**
 * One pod per user with the user's files on a PersistentVolumeClaim. There is no stopped pod:
 * stopping deletes it, the claim stays, and the next ensureWorkspace creates a new one.
 */
export class KubernetesWorkspaceRuntime implements WorkspaceRuntime {
  private readonly options: KubernetesWorkspaceOptions;
  private readonly core: CoreV1Api;
  private readonly lifecycle = new UserLifecycleQueue();

  constructor(
    private readonly kubeConfig: KubeConfig,
    options: Partial<KubernetesWorkspaceOptions> & Pick<KubernetesWorkspaceOptions, "image" | "namespace">,
  ) {
    this.options = {
      memoryMb: 1024,
      cpus: 1,
      requests: DEFAULT_REQUESTS,
      tmpfsMb: 256,
      volumeMb: 2_048,
      retry: defaultRetryPolicy,
      readinessTimeoutMs: 180_000,
      deletionTimeoutMs: 60_000,
      pollIntervalMs: 500,
      ...options,
    };
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  ensureWorkspace(userId: string): Promise<WorkspaceHandle> {
    this.options.activity?.touch(userId);
    return this.lifecycle.ensure(userId, () => this.ensureNow(userId));
  }

  ensureAgentPaths(workspace: WorkspaceHandle, agentId: string): Promise<AgentPaths> {
    return prepareAgentPaths(this, workspace, agentId);
  }

  async exec(workspace: WorkspaceHandle, command: readonly string[], options: WorkspaceExecOptions = {}): Promise<WorkspaceExecResult> {
    this.options.activity?.touch(workspace.userId);
    assertWorkspaceUser(options.user);
    const marker = randomUUID();
    const stdout = collectExecOutput();
    const stderr = collectExecOutput();
    const stdin = options.stdin === undefined ? undefined : streamOf(options.stdin);
    const session = await this.openExec(
      workspace,
      podExecCommand(command, { cwd: options.cwd, env: { ...options.env, [PROCESS_MARKER_VARIABLE]: marker } }),
      { stdout: stdout.sink, stderr: stderr.sink, stdin },
    );
    const { result: exit, timedOut } = await untilExecEnds(session.exited, {
      timeoutMs: options.timeoutMs,
      marker,
      runKill: (killCommand) => this.runKill(workspace, killCommand),
    }).finally(() => session.close());
    // The status frame ends the sinks; after a broken stream they are ended here. Either way every byte has been read.
    const text = async (output: ExecOutput) => {
      output.sink.end();
      await finished(output.sink).catch(() => undefined);
      return output.text();
    };
    return { exitCode: exit.exitCode, stdout: await text(stdout), stderr: await text(stderr), timedOut };
  }

  spawn(workspace: WorkspaceHandle, command: readonly string[], options: WorkspaceSpawnOptions = {}): WorkspaceProcess {
    this.options.activity?.touch(workspace.userId);
    assertWorkspaceUser(options.user);
    const marker = randomUUID();
    const env = { ...options.env, ...(this.options.instanceId ? serverProcessEnv(this.options.instanceId) : {}), [PROCESS_MARKER_VARIABLE]: marker };
    const argv = podExecCommand(command, { cwd: options.cwd, env });
    return new KubernetesWorkspaceProcess({
      marker,
      open: (streams) => this.openExec(workspace, argv, streams),
      runKill: (killCommand) => this.runKill(workspace, killCommand),
    });
  }

  async isCurrent(workspace: WorkspaceHandle): Promise<boolean> {
    const pod = await this.readPod(workspace.name);
    return pod !== undefined && pod.metadata?.uid === workspace.id && isRunning(pod) && generationOf(pod) === workspace.generation;
  }

  /** On Kubernetes a stopped workspace is a deleted pod: the claim (the files) stays. */
  stopWorkspace(userId: string): Promise<void> {
    return this.lifecycle.change(userId, () => this.deletePod(workspacePodName(userId)));
  }

  removeWorkspace(userId: string): Promise<void> {
    return this.stopWorkspace(userId);
  }

  deleteUserWorkspace(userId: string): Promise<void> {
    return this.lifecycle.change(userId, async () => {
      await this.deletePod(workspacePodName(userId));
      try {
        await this.call("delete the workspace files", () =>
          this.core.deleteNamespacedPersistentVolumeClaim({ name: workspaceClaimName(userId), namespace: this.options.namespace }),
        );
      } catch (error) {
        if (dockerStatusCode(error) !== 404) throw error;
      }
      this.options.activity?.forget(userId);
    });
  }

  /** Pods by label (a restarted server adopts them); a user with only a claim left reads as stopped. */
  diskLimitBytes(): Promise<number | null> {
    return Promise.resolve(this.options.volumeMb * 1024 * 1024);
  }

  async diskUsage(workspace: WorkspaceHandle): Promise<WorkspaceDiskUsage> {
    return measureWorkspaceDisk(this, workspace, await this.diskLimitBytes());
  }

  async listWorkspaces(): Promise<WorkspaceSummary[]> {
    const namespace = this.options.namespace;
    const [pods, claims] = await Promise.all([
      this.call("list workspaces", () => this.core.listNamespacedPod({ namespace, labelSelector: workspaceLabelSelector("workspace") })),
      this.call("list workspace files", () => this.core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector: workspaceLabelSelector("workspace-data") })),
    ]);
    const summaries = new Map<string, WorkspaceSummary>();
    for (const claim of claims.items) {
      const userId = claim.metadata?.annotations?.[USER_ID_ANNOTATION];
      if (userId === undefined || claim.metadata?.deletionTimestamp) continue;
      summaries.set(userId, { userId, id: claim.metadata?.uid ?? "", name: workspacePodName(userId), state: "stopped" });
    }
    for (const pod of pods.items) {
      const userId = pod.metadata?.annotations?.[USER_ID_ANNOTATION];
      if (userId === undefined) continue;
      summaries.set(userId, { userId, id: pod.metadata?.uid ?? "", name: pod.metadata?.name ?? "", state: stateOf(pod) });
    }
    return [...summaries.values()];
  }

  /** For /health: the namespace answers with this server's credentials. */
  async checkApi(): Promise<{ detail: string }> {
    await this.core.listNamespacedPod({ namespace: this.options.namespace, labelSelector: workspaceLabelSelector("workspace"), limit: 1 });
    return { detail: `${this.kubeConfig.getCurrentCluster()?.server ?? "Kubernetes"}, namespace ${this.options.namespace}` };
  }

  private async ensureNow(userId: string): Promise<WorkspaceHandle> {
    const startedAt = Date.now();
    const deadline = startedAt + this.options.readinessTimeoutMs;
    const name = workspacePodName(userId);
    let provisioning: WorkspaceHandle["provisioning"] = "reused";
    let pod = await this.readPod(name);

    // A pod that is going, has ended, or is still starting from an image no longer configured is replaced; the files live on the claim.
    if (pod && (pod.metadata?.deletionTimestamp || hasEnded(pod) || (!isRunning(pod) && imageOf(pod) !== this.options.image))) {
      await this.deletePod(name);
      pod = undefined;
    }
    if (!pod) {
      await this.ensureClaim(userId);
      pod = await this.createPod(userId, name);
      provisioning = "created";
    }
    const wasRunning = isRunning(pod);
    if (!wasRunning) pod = await this.waitUntilRunning(name, deadline);

    const handle: WorkspaceHandle = { userId, id: pod.metadata?.uid ?? "", name, generation: generationOf(pod), provisioning };
    if (provisioning !== "reused" || !wasRunning) await waitUntilAnswering(this, handle, { deadline, pollIntervalMs: this.options.pollIntervalMs });
    logger.debug({ userId, pod: name, provisioning, ms: Date.now() - startedAt }, "workspace ensured");
    return handle;
  }

  private async ensureClaim(userId: string): Promise<void> {
    const name = workspaceClaimName(userId);
    const existing = await this.readClaim(name);
    if (existing && !existing.metadata?.deletionTimestamp) return;
    // The account's files are being deleted: a pod on the old claim would never start.
    if (existing) await this.waitUntilGone(() => this.readClaim(name), `the workspace files ${name}`);
    const body = workspaceClaim(userId, { namespace: this.options.namespace, sizeMb: this.options.volumeMb, storageClassName: this.options.storageClassName });
    try {
      await this.call("create the workspace files", () => this.core.createNamespacedPersistentVolumeClaim({ namespace: this.options.namespace, body }));
    } catch (error) {
      // Another server created it first.
      if (dockerStatusCode(error) !== 409) throw error;
    }
  }

  private async createPod(userId: string, name: string): Promise<V1Pod> {
    const body = workspacePod(userId, {
      namespace: this.options.namespace,
      image: this.options.image,
      limits: { memoryMb: this.options.memoryMb, cpus: this.options.cpus },
      requests: { memoryMb: Math.min(this.options.requests.memoryMb, this.options.memoryMb), cpus: Math.min(this.options.requests.cpus, this.options.cpus) },
      tmpfsMb: this.options.tmpfsMb,
    });
    try {
      return await this.call("create the workspace", () => this.core.createNamespacedPod({ namespace: this.options.namespace, body }));
    } catch (error) {
      if (dockerStatusCode(error) !== 409) throw error;
      // Another server created it first: use theirs.
      const theirs = await this.readPod(name);
      if (!theirs) throw new AppError("workspace_unavailable", `The workspace ${name} disappeared right after it was created.`, { cause: error });
      return theirs;
    }
  }

  private async waitUntilRunning(name: string, deadline: number): Promise<V1Pod> {
    let pod: V1Pod | undefined;
    while (Date.now() < deadline) {
      pod = await this.readPod(name);
      if (!pod || pod.metadata?.deletionTimestamp) throw new AppError("workspace_unavailable", `The workspace ${name} went away while it was starting.`);
      if (isRunning(pod)) return pod;
      if (hasEnded(pod)) throw new AppError("workspace_unavailable", `The workspace ${name} ended right after it started (${describePod(pod)}).`);
      const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
      if (waiting?.reason && STUCK_REASONS.has(waiting.reason)) {
        const hint = waiting.reason.includes("Image") ? `: the cluster's nodes must be able to pull ${this.options.image} (WORKSPACE_IMAGE)` : "";
        throw new AppError("workspace_unavailable", `The workspace ${name} cannot start, ${waiting.reason}${hint}. ${waiting.message ?? ""}`.trim());
      }
      await sleep(this.options.pollIntervalMs);
    }
    throw new AppError("workspace_unavailable", `The workspace ${name} did not start in time (${pod ? describePod(pod) : "no pod"}).`);
  }

  private async deletePod(name: string): Promise<void> {
    try {
      await this.call("remove the workspace", () => this.core.deleteNamespacedPod({ name, namespace: this.options.namespace, gracePeriodSeconds: 5 }));
    } catch (error) {
      if (dockerStatusCode(error) !== 404) throw error;
    }
    // Stopped means its processes have ended, as with Docker: wait for the kubelet to confirm.
    await this.waitUntilGone(() => this.readPod(name), `the workspace ${name}`);
  }

  private async waitUntilGone(read: () => Promise<unknown>, what: string): Promise<void> {
    const deadline = Date.now() + this.options.deletionTimeoutMs;
    while (await read()) {
      if (Date.now() >= deadline) throw new AppError("workspace_unavailable", `Kubernetes did not finish deleting ${what} in time.`);
      await sleep(this.options.pollIntervalMs);
    }
  }

  private readPod(name: string): Promise<V1Pod | undefined> {
    return this.readIfThere("inspect the workspace", () => this.core.readNamespacedPod({ name, namespace: this.options.namespace }));
  }

  private readClaim(name: string): Promise<V1PersistentVolumeClaim | undefined> {
    return this.readIfThere("inspect the workspace files", () => this.core.readNamespacedPersistentVolumeClaim({ name, namespace: this.options.namespace }));
  }

  private async readIfThere<T>(operation: string, request: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.call(operation, request);
    } catch (error) {
      if (dockerStatusCode(error) === 404) return undefined;
      throw error;
    }
  }

  private async openExec(workspace: WorkspaceHandle, command: string[], streams: PodExecStreams): Promise<PodExecSession> {
    const target = { namespace: this.options.namespace, pod: workspace.name, container: WORKSPACE_CONTAINER_NAME };
    try {
      // A failed handshake started nothing, so a retry opens a new stream.
      return await withDockerRetry("run a command in the workspace", () => startPodExec(this.kubeConfig, target, command, streams), this.options.retry);
    } catch (error) {
      const status = dockerStatusCode(error);
      // 404 no such pod; 400 the pod is not running (or its container is gone).
      if (status === 404 || status === 400) {
        throw new AppError("workspace_lost", `The workspace ${workspace.name} is no longer running.`, { cause: error });
      }
      throw error;
    }
  }

  private async runKill(workspace: WorkspaceHandle, command: string[]): Promise<void> {
    const discard = () => new PassThrough().resume();
    const session = await this.openExec(workspace, command, { stdout: discard(), stderr: discard() });
    await session.exited;
  }

  /** withDockerRetry reads `statusCode`; client-node's ApiException carries it as `code`. */
  private call<T>(operation: string, request: () => Promise<T>): Promise<T> {
    return withDockerRetry(
      operation,
      () =>
        request().catch((error: unknown) => {
          if (error instanceof ApiException) Object.assign(error, { statusCode: error.code });
          throw error;
        }),
      this.options.retry,
    );
  }
}

/** Exec runs as the container's user; Kubernetes cannot switch to another one per command. */
function assertWorkspaceUser(user: string | undefined): void {
  if (user !== undefined && user !== `${WORKSPACE_UID}:${WORKSPACE_GID}` && user !== String(WORKSPACE_UID)) {
    throw new AppError("workspace_unavailable", `Kubernetes workspaces run every command as ${WORKSPACE_UID}:${WORKSPACE_GID}, not ${user}.`);
  }
}

function isRunning(pod: V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp || pod.status?.phase !== "Running") return false;
  const container = pod.status.containerStatuses?.find((status) => status.name === WORKSPACE_CONTAINER_NAME);
  return container?.state?.running !== undefined;
}

function hasEnded(pod: V1Pod): boolean {
  return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}

function stateOf(pod: V1Pod): WorkspaceState {
  if (isRunning(pod)) return "running";
  return hasEnded(pod) ? "stopped" : "other";
}

function imageOf(pod: V1Pod): string | undefined {
  return pod.spec?.containers.find((container) => container.name === WORKSPACE_CONTAINER_NAME)?.image;
}

/** A new pod has a new uid; its start time tells a restart apart should one ever reuse it. */
function generationOf(pod: V1Pod): string {
  const startTime = pod.status?.startTime;
  return `${pod.metadata?.uid ?? ""}@${startTime instanceof Date ? startTime.toISOString() : String(startTime ?? "")}`;
}

function describePod(pod: V1Pod): string {
  const unready = pod.status?.conditions?.find((condition) => condition.status !== "True" && condition.message);
  const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
  return [pod.status?.phase ?? "unknown phase", waiting?.reason, unready?.message].filter(Boolean).join(", ");
}

function streamOf(input: string | Buffer): Readable {
  const stream = new PassThrough();
  stream.end(input);
  return stream;
}

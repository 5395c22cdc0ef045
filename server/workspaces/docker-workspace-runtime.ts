import { randomUUID } from "node:crypto";
import type { Duplex } from "node:stream";
import type Docker from "dockerode";

import { AppError } from "../../lib/errors";
import type { WorkspaceDiskUsage } from "../../lib/workspace-disk";
import { serverProcessEnv } from "./server-processes";
import type { PlatformConfig } from "../config";
import { logger } from "../logger";
import { defaultRetryPolicy, dockerStatusCode, withDockerRetry, type RetryPolicy } from "./docker-retry";
import { DockerWorkspaceProcess, dockerExecExitCode } from "./docker-workspace-process";
import type { WorkspaceActivity } from "./workspace-activity";
import { WarmPool, type WarmPoolFillerOptions, type WarmPoolSettings } from "./warm-pool";
import { createWorkspaceContainer, WORKSPACE_USER } from "./workspace-container";
import { ensureWorkspaceNetwork, removeWorkspaceNetwork } from "./workspace-network";
import { PROCESS_MARKER_VARIABLE, toExecEnv } from "./workspace-process-base";
import { collectExecOutput, measureWorkspaceDisk, prepareAgentPaths, untilExecEnds, UserLifecycleQueue, waitUntilAnswering } from "./workspace-runtime-common";
import {
  DEFAULT_WARM_POOL_PREFIX,
  KIND_LABEL,
  PLATFORM_LABEL,
  PLATFORM_LABEL_VALUE,
  POOL_SLOT_LABEL,
  USER_LABEL,
  workspaceContainerName,
  workspaceLabels,
  type AgentPaths,
} from "./workspace-names";
import { LoopDiskVolumes, PlainWorkspaceVolumes, workspaceDiskDirectory, type WorkspaceVolumes } from "./loop-disks";
import { claimsBySlot, findClaimedStorage, recordClaim, removeClaim, storageFromSlotLabels, userStorage, type WorkspaceStorage } from "./workspace-storage";
import type { WorkspaceExecOptions, WorkspaceExecResult, WorkspaceHandle, WorkspaceProcess, WorkspaceRuntime, WorkspaceSpawnOptions, WorkspaceSummary } from "./workspace-runtime";

export interface DockerWorkspaceOptions {
  image: string;
  memoryMb: number;
  cpus: number;
  pidsLimit: number;
  /** Size of the tmpfs at /tmp; it counts against the memory limit. */
  tmpfsMb: number;
  /** Docker network for workspaces; the default bridge reaches the host and Debian's mirror. */
  network?: string;
  /**
   * When set, each user's container gets its own internal network (subnet from this pool) instead
   * of `network`: no route out, no other users' containers; the host's firewall lets it reach only
   * the egress proxy.
   */
  networkIsolation?: { subnetPool: string };
  retry: RetryPolicy;
  /** How long a freshly started workspace may take to answer `true`. */
  readinessTimeoutMs: number;
  /** Notified on every ensure/exec/spawn so the idle sweeper knows the workspace is in use. */
  activity?: WorkspaceActivity;
  /** This server's INSTANCE_ID, marked on every process it spawns (see server-processes.ts). */
  instanceId?: string;
  /** Containers made ahead of demand for new users (WORKSPACE_WARM_POOL); refilled once startWarmPool is called. */
  warmPool?: WarmPoolSettings;
  /** Each volume a loop-mounted disk of this size (WORKSPACE_DISK_MB); unset: plain volumes, no limit. */
  disk?: { sizeMb: number; directory: string; loopControl?: string };
}

export function dockerWorkspaceOptionsFromConfig(config: PlatformConfig, activity?: WorkspaceActivity, instanceId?: string): DockerWorkspaceOptions {
  return {
    instanceId,
    image: config.WORKSPACE_IMAGE,
    memoryMb: config.WORKSPACE_MEMORY_MB,
    cpus: config.WORKSPACE_CPUS,
    pidsLimit: config.WORKSPACE_PIDS_LIMIT,
    tmpfsMb: 256,
    retry: defaultRetryPolicy,
    readinessTimeoutMs: 15_000,
    activity,
    networkIsolation: config.WORKSPACE_NETWORK_ISOLATION ? { subnetPool: config.WORKSPACE_SUBNET_POOL } : undefined,
    warmPool: config.WORKSPACE_WARM_POOL > 0 ? { size: config.WORKSPACE_WARM_POOL, prefix: DEFAULT_WARM_POOL_PREFIX } : undefined,
    disk: config.WORKSPACE_DISK_MB > 0 ? { sizeMb: config.WORKSPACE_DISK_MB, directory: workspaceDiskDirectory(config.DATA_DIR) } : undefined,
  };
}

/** One container per user, named after the user, with the user's files on a named volume. */
export class DockerWorkspaceRuntime implements WorkspaceRuntime {
  private readonly options: DockerWorkspaceOptions;
  private readonly lifecycle = new UserLifecycleQueue();
  /** Users whose workspace came from the warm pool: their claim never changes until deleteUserWorkspace. */
  private readonly claims = new Map<string, WorkspaceStorage>();
  private readonly pool: WarmPool | undefined;
  /** Where volumes come from: loop-mounted disks of WORKSPACE_DISK_MB, or plain ones. */
  readonly volumes: WorkspaceVolumes;

  constructor(
    private readonly docker: Docker,
    options: Partial<DockerWorkspaceOptions> & Pick<DockerWorkspaceOptions, "image">,
  ) {
    this.options = {
      memoryMb: 1024,
      cpus: 1,
      pidsLimit: 512,
      tmpfsMb: 256,
      retry: defaultRetryPolicy,
      readinessTimeoutMs: 15_000,
      ...options,
    };
    const { warmPool, disk } = this.options;
    this.volumes = disk ? new LoopDiskVolumes(docker, { ...disk, retry: this.options.retry }) : new PlainWorkspaceVolumes(docker, this.options.retry);
    this.pool =
      warmPool && warmPool.size > 0
        ? new WarmPool(warmPool, {
            docker,
            volumes: this.volumes,
            limits: this.options,
            networkIsolation: this.options.networkIsolation,
            network: this.options.network,
            // Nobody's yet: checked without counting as anyone's activity.
            waitUntilReady: (id, name) =>
              waitUntilAnswering(
                { exec: (handle, command, execOptions) => this.runExec(handle, command, execOptions) },
                { userId: "", id, name, generation: "", provisioning: "created" },
                { deadline: Date.now() + this.options.readinessTimeoutMs, pollIntervalMs: 100 },
              ),
          })
        : undefined;
  }

  /** Starts refilling the warm pool in the background whenever `isBusy` says the machine is free. */
  startWarmPool(options: WarmPoolFillerOptions): void {
    this.pool?.start(options);
  }

  /** Stops refilling, once the slot being made (if any) is done; ready slots stay for the next start. */
  stopWarmPool(): Promise<void> {
    return this.pool?.stop() ?? Promise.resolve();
  }

  /** One refill pass now (tests, the bench); the background filler does the same on its own. */
  refillWarmPool(): Promise<void> {
    return this.pool?.refill() ?? Promise.resolve();
  }

  get warmPoolReady(): number {
    return this.pool?.readyCount ?? 0;
  }

  /** Where the user's files and network are: their own, or the pool slot they claimed. */
  async workspaceStorage(userId: string): Promise<WorkspaceStorage> {
    const cached = this.claims.get(userId);
    if (cached) return cached;
    const claimed = await findClaimedStorage(this.docker, userId, this.options.retry);
    if (claimed) this.claims.set(userId, claimed);
    return claimed ?? userStorage(userId);
  }

  ensureWorkspace(userId: string): Promise<WorkspaceHandle> {
    const name = workspaceContainerName(userId);
    this.options.activity?.touch(userId);
    return this.lifecycle.ensure(userId, () => this.ensureNow(userId, name));
  }

  ensureAgentPaths(workspace: WorkspaceHandle, agentId: string): Promise<AgentPaths> {
    return prepareAgentPaths(this, workspace, agentId);
  }

  exec(workspace: WorkspaceHandle, command: readonly string[], options: WorkspaceExecOptions = {}): Promise<WorkspaceExecResult> {
    this.options.activity?.touch(workspace.userId);
    return this.runExec(workspace, command, options);
  }

  private async runExec(workspace: WorkspaceHandle, command: readonly string[], options: WorkspaceExecOptions = {}): Promise<WorkspaceExecResult> {
    const user = options.user ?? WORKSPACE_USER;
    const marker = randomUUID();
    // An exec starts only once, so a retry creates a new one.
    const { exec, socket } = await this.execCall(workspace, "run a command in the workspace", async () => {
      const created = await this.docker.getContainer(workspace.id).exec({
        Cmd: [...command],
        AttachStdin: options.stdin !== undefined,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        User: user,
        WorkingDir: options.cwd,
        Env: [...toExecEnv(options.env), `${PROCESS_MARKER_VARIABLE}=${marker}`],
      });
      return { exec: created, socket: (await created.start({ hijack: true, stdin: options.stdin !== undefined })) as Duplex };
    });

    const stdout = collectExecOutput();
    const stderr = collectExecOutput();
    this.docker.modem.demuxStream(socket, stdout.sink, stderr.sink);
    if (options.stdin !== undefined) socket.end(options.stdin);

    const socketEnded = new Promise<void>((resolve) => {
      socket.on("end", resolve);
      socket.on("close", resolve);
      socket.on("error", () => resolve());
    });
    const { timedOut } = await untilExecEnds(socketEnded, {
      timeoutMs: options.timeoutMs,
      marker,
      runKill: (killCommand) => this.runKill(workspace.id, killCommand, user),
    }).finally(() => socket.destroy());
    const exitCode = await dockerExecExitCode(exec);
    return { exitCode, stdout: stdout.text(), stderr: stderr.text(), timedOut };
  }

  spawn(workspace: WorkspaceHandle, command: readonly string[], options: WorkspaceSpawnOptions = {}): WorkspaceProcess {
    this.options.activity?.touch(workspace.userId);
    const user = options.user ?? WORKSPACE_USER;
    const env = this.options.instanceId ? { ...options.env, ...serverProcessEnv(this.options.instanceId) } : options.env;
    return new DockerWorkspaceProcess({
      docker: this.docker,
      containerId: workspace.id,
      command,
      options: { ...options, env, user },
      runKill: (killCommand, killUser) => this.runKill(workspace.id, killCommand, killUser),
    });
  }

  async isCurrent(workspace: WorkspaceHandle): Promise<boolean> {
    try {
      const info = await withDockerRetry("inspect the workspace", () => this.docker.getContainer(workspace.id).inspect(), this.options.retry);
      return info.State.Running && !info.State.Restarting && info.State.StartedAt === workspace.generation;
    } catch (error) {
      if (dockerStatusCode(error) === 404) return false;
      throw error;
    }
  }

  stopWorkspace(userId: string): Promise<void> {
    return this.lifecycle.change(userId, async () => {
      try {
        const container = this.docker.getContainer(workspaceContainerName(userId));
        await withDockerRetry("stop the workspace", () => container.stop({ t: 5 }), this.options.retry);
      } catch (error) {
        // 304: already stopped; 404: nothing to stop.
        if (dockerStatusCode(error) !== 304 && dockerStatusCode(error) !== 404) throw error;
      }
    });
  }

  removeWorkspace(userId: string): Promise<void> {
    return this.lifecycle.change(userId, async () => {
      const storage = await this.workspaceStorage(userId);
      await this.removeContainer(workspaceContainerName(userId));
      await removeWorkspaceNetwork(this.docker, storage.network.name, this.options.retry);
    });
  }

  deleteUserWorkspace(userId: string): Promise<void> {
    return this.lifecycle.change(userId, async () => {
      const storage = await this.workspaceStorage(userId);
      await this.removeContainer(workspaceContainerName(userId));
      await removeWorkspaceNetwork(this.docker, storage.network.name, this.options.retry);
      await this.volumes.remove(storage.volume);
      // Last: until the files are gone, the claim is what finds them.
      if (storage.slot) await removeClaim(this.docker, userId, this.options.retry);
      this.claims.delete(userId);
      this.options.activity?.forget(userId);
    });
  }

  diskLimitBytes(): Promise<number | null> {
    return this.volumes.limitBytes();
  }

  async diskUsage(workspace: WorkspaceHandle): Promise<WorkspaceDiskUsage> {
    return measureWorkspaceDisk(this, workspace, await this.volumes.limitBytes());
  }

  async listWorkspaces(): Promise<WorkspaceSummary[]> {
    const containers = await withDockerRetry(
      "list workspaces",
      () => this.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${PLATFORM_LABEL}=${PLATFORM_LABEL_VALUE}`] }) }),
      this.options.retry,
    );
    const nameOf = (container: Docker.ContainerInfo) => (container.Names[0] ?? "").replace(/^\//, "");
    // A pool container is someone's only once claimed (renamed away from its slot name); its labels
    // cannot say whose, the claim record does. Unclaimed ones are nobody's: never listed, never swept.
    const claimed = containers.filter((container) => {
      const slot = container.Labels[KIND_LABEL] === "workspace-pool" ? container.Labels[POOL_SLOT_LABEL] : undefined;
      return slot !== undefined && !nameOf(container).startsWith(slot);
    });
    const owners = claimed.length > 0 ? await claimsBySlot(this.docker, this.options.retry) : new Map<string, string>();
    return containers.flatMap((container) => {
      const userId =
        container.Labels[KIND_LABEL] === "workspace"
          ? container.Labels[USER_LABEL]
          : claimed.includes(container)
            ? owners.get(container.Labels[POOL_SLOT_LABEL]!)
            : undefined;
      if (userId === undefined) return [];
      const state = container.State === "running" ? "running" : ["exited", "created"].includes(container.State) ? "stopped" : "other";
      return [{ userId, id: container.Id, name: nameOf(container), state }];
    });
  }

  private async ensureNow(userId: string, name: string): Promise<WorkspaceHandle> {
    const startedAt = Date.now();
    let provisioning: WorkspaceHandle["provisioning"] = "reused";
    let info = await this.inspectByName(name);
    // About to create or claim: ask the engine again, another server may have deleted the account's claim.
    if (!info) this.claims.delete(userId);
    let storage = await this.workspaceStorage(userId);
    let readyChecked = false;

    if (!info && !storage.slot && this.pool) {
      const claimed = await this.claimFromPool(userId, name, storage);
      if (claimed) {
        storage = claimed;
        info = await this.inspectByName(name);
        provisioning = "created";
        // Checked to answer when it was pooled, and running since.
        readyChecked = info?.State.Running === true;
        logger.info({ userId, container: name, slot: claimed.slot, ms: Date.now() - startedAt }, "workspace claimed from the warm pool");
      }
    }
    if (info && this.options.networkIsolation && info.HostConfig.NetworkMode !== storage.network.name) {
      // Made before isolation was turned on (or with it off): re-created on its own network; the files live on the volume.
      await this.removeContainer(name);
      info = undefined;
    }
    if (info && !info.State.Running) {
      // About to mount the volume: its disk's loop device may have gone (reboot) or changed; a
      // re-pointed volume takes its stopped container with it (made again below, files kept).
      await this.volumes.ensure(storage.volume, storage.slot ? {} : workspaceLabels(userId, "workspace-data"));
      info = await this.inspectByName(name);
    }
    if (info && !info.State.Running && (info.State.Dead || info.State.Status === "removing" || (await this.imageChanged(info)))) {
      // A dead container cannot start again, and a stopped one from an older image should not: the files live on the volume.
      await this.removeContainer(name);
      info = undefined;
    }
    if (!info) {
      await this.createContainer(userId, name, storage);
      provisioning = "created";
      // After a name conflict the other creator may still be registering its container: the
      // engine reserves the name before the container can be inspected.
      for (let attempt = 0; attempt < 100 && !info; attempt += 1) {
        info = await this.inspectByName(name);
        if (!info) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      if (!info) throw new AppError("workspace_unavailable", `The workspace ${name} disappeared right after it was created.`);
    }
    if (info.State.Paused) {
      await withDockerRetry("resume the workspace", () => this.docker.getContainer(info!.Id).unpause(), this.options.retry);
    }
    if (!info.State.Running) {
      await this.startContainer(info.Id);
      if (provisioning === "reused") provisioning = "started";
      info = await this.inspectByName(name);
      if (!info?.State.Running) throw new AppError("workspace_unavailable", `The workspace ${name} stopped right after it was started.`);
    }

    const handle: WorkspaceHandle = { userId, id: info.Id, name, generation: info.State.StartedAt, provisioning };
    if (provisioning !== "reused" && !readyChecked) {
      await waitUntilAnswering(this, handle, { deadline: Date.now() + this.options.readinessTimeoutMs, pollIntervalMs: 100 });
    }
    logger.debug({ userId, container: name, provisioning, ms: Date.now() - startedAt }, "workspace ensured");
    return handle;
  }

  /**
   * A new user (no container, no files, no claim) takes a ready pool slot. An existing user never
   * does: their files are on their own volume. Undefined when the pool has none ready.
   */
  private async claimFromPool(userId: string, name: string, storage: WorkspaceStorage): Promise<WorkspaceStorage | undefined> {
    const hasFiles = await this.docker
      .getVolume(storage.volume)
      .inspect()
      .then(() => true)
      .catch((error: unknown) => (dockerStatusCode(error) === 404 ? false : Promise.reject(error)));
    if (hasFiles) return undefined;
    const claimed = await this.pool!.claim(name);
    if (!claimed) return undefined;
    // A crash right here is recovered from the container's own labels (findClaimedStorage).
    await recordClaim(this.docker, userId, claimed.labels, this.options.retry);
    const claimedStorage = storageFromSlotLabels(claimed.labels);
    if (claimedStorage) this.claims.set(userId, claimedStorage);
    return claimedStorage;
  }

  private async createContainer(userId: string, name: string, storage: WorkspaceStorage): Promise<void> {
    // A claimed slot's volume keeps the pool's labels (it exists: these are only used to make it anew).
    await this.volumes.ensure(storage.volume, storage.slot ? {} : workspaceLabels(userId, "workspace-data"));
    const network = this.options.networkIsolation
      ? await ensureWorkspaceNetwork(this.docker, storage.network, { subnetPool: this.options.networkIsolation.subnetPool, retry: this.options.retry })
      : (this.options.network ?? "bridge");
    // False: another server process created it first; use theirs.
    await createWorkspaceContainer(this.docker, this.options, { name, labels: workspaceLabels(userId, "workspace"), volume: storage.volume, network });
  }

  private async startContainer(id: string): Promise<void> {
    try {
      await withDockerRetry("start the workspace", () => this.docker.getContainer(id).start(), this.options.retry);
    } catch (error) {
      if (dockerStatusCode(error) !== 304) throw error;
    }
  }

  private async removeContainer(name: string): Promise<void> {
    try {
      await withDockerRetry("remove the workspace", () => this.docker.getContainer(name).remove({ force: true }), this.options.retry);
    } catch (error) {
      const status = dockerStatusCode(error);
      if (status === 404) return;
      // 409: removal already in progress (another caller); wait for it to finish.
      if (status === 409) {
        for (let attempt = 0; attempt < 50 && (await this.inspectByName(name)); attempt += 1) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        return;
      }
      throw error;
    }
  }

  private async inspectByName(name: string): Promise<Docker.ContainerInspectInfo | undefined> {
    try {
      return await withDockerRetry("inspect the workspace", () => this.docker.getContainer(name).inspect(), this.options.retry);
    } catch (error) {
      if (dockerStatusCode(error) === 404) return undefined;
      throw error;
    }
  }

  private async imageChanged(info: Docker.ContainerInspectInfo): Promise<boolean> {
    try {
      const image = await this.docker.getImage(this.options.image).inspect();
      return image.Id !== info.Image;
    } catch {
      return false;
    }
  }

  private async execCall<T>(workspace: WorkspaceHandle, operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await withDockerRetry(operation, call, this.options.retry);
    } catch (error) {
      const status = dockerStatusCode(error);
      // 404 no such container, 409 stopped or paused: the workspace went away under us.
      if (status === 404 || status === 409) {
        throw new AppError("workspace_lost", `The workspace ${workspace.name} is no longer running.`, { cause: error });
      }
      throw error;
    }
  }

  private async runKill(containerId: string, command: string[], user: string): Promise<void> {
    const exec = await this.docker.getContainer(containerId).exec({ Cmd: command, AttachStdout: true, AttachStderr: true, User: user });
    const stream = (await exec.start({ hijack: true, stdin: false })) as Duplex;
    stream.resume();
    await new Promise<void>((resolve) => {
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.on("error", () => resolve());
    });
  }
}

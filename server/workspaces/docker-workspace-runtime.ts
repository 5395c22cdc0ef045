import { randomUUID } from "node:crypto";
import type { Duplex } from "node:stream";
import type Docker from "dockerode";

import { AppError } from "../../lib/errors";
import { serverProcessEnv } from "./server-processes";
import type { PlatformConfig } from "../config";
import { logger } from "../logger";
import { defaultRetryPolicy, dockerStatusCode, withDockerRetry, type RetryPolicy } from "./docker-retry";
import { DockerWorkspaceProcess, dockerExecExitCode } from "./docker-workspace-process";
import type { WorkspaceActivity } from "./workspace-activity";
import { ensureWorkspaceNetwork, removeWorkspaceNetwork } from "./workspace-network";
import { PROCESS_MARKER_VARIABLE, toExecEnv } from "./workspace-process-base";
import { collectExecOutput, prepareAgentPaths, untilExecEnds, UserLifecycleQueue, waitUntilAnswering } from "./workspace-runtime-common";
import {
  KIND_LABEL,
  PLATFORM_LABEL,
  PLATFORM_LABEL_VALUE,
  USER_LABEL,
  WORKSPACE_GID,
  WORKSPACE_ROOT,
  WORKSPACE_UID,
  workspaceContainerName,
  workspaceLabels,
  workspaceNetworkName,
  workspaceVolumeName,
  type AgentPaths,
} from "./workspace-names";
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
  };
}

const WORKSPACE_USER = `${WORKSPACE_UID}:${WORKSPACE_GID}`;

/** One container per user, named after the user, with the user's files on a named volume. */
export class DockerWorkspaceRuntime implements WorkspaceRuntime {
  private readonly options: DockerWorkspaceOptions;
  private readonly lifecycle = new UserLifecycleQueue();

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
  }

  ensureWorkspace(userId: string): Promise<WorkspaceHandle> {
    const name = workspaceContainerName(userId);
    this.options.activity?.touch(userId);
    return this.lifecycle.ensure(userId, () => this.ensureNow(userId, name));
  }

  ensureAgentPaths(workspace: WorkspaceHandle, agentId: string): Promise<AgentPaths> {
    return prepareAgentPaths(this, workspace, agentId);
  }

  async exec(workspace: WorkspaceHandle, command: readonly string[], options: WorkspaceExecOptions = {}): Promise<WorkspaceExecResult> {
    this.options.activity?.touch(workspace.userId);
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
      await this.removeContainer(workspaceContainerName(userId));
      await removeWorkspaceNetwork(this.docker, userId, this.options.retry);
    });
  }

  deleteUserWorkspace(userId: string): Promise<void> {
    return this.lifecycle.change(userId, async () => {
      await this.removeContainer(workspaceContainerName(userId));
      await removeWorkspaceNetwork(this.docker, userId, this.options.retry);
      try {
        await withDockerRetry("delete the workspace files", () => this.docker.getVolume(workspaceVolumeName(userId)).remove(), this.options.retry);
      } catch (error) {
        if (dockerStatusCode(error) !== 404) throw error;
      }
      this.options.activity?.forget(userId);
    });
  }

  async listWorkspaces(): Promise<WorkspaceSummary[]> {
    const containers = await withDockerRetry(
      "list workspaces",
      () =>
        this.docker.listContainers({
          all: true,
          filters: JSON.stringify({ label: [`${PLATFORM_LABEL}=${PLATFORM_LABEL_VALUE}`, `${KIND_LABEL}=workspace`] }),
        }),
      this.options.retry,
    );
    return containers.flatMap((container) => {
      const userId = container.Labels[USER_LABEL];
      if (userId === undefined) return [];
      const state = container.State === "running" ? "running" : ["exited", "created"].includes(container.State) ? "stopped" : "other";
      return [{ userId, id: container.Id, name: (container.Names[0] ?? "").replace(/^\//, ""), state }];
    });
  }

  private async ensureNow(userId: string, name: string): Promise<WorkspaceHandle> {
    const startedAt = Date.now();
    let provisioning: WorkspaceHandle["provisioning"] = "reused";
    let info = await this.inspectByName(name);

    if (info && this.options.networkIsolation && info.HostConfig.NetworkMode !== workspaceNetworkName(userId)) {
      // Made before isolation was turned on (or with it off): re-created on its own network; the files live on the volume.
      await this.removeContainer(name);
      info = undefined;
    }
    if (info && !info.State.Running && (info.State.Dead || info.State.Status === "removing" || (await this.imageChanged(info)))) {
      // A dead container cannot start again, and a stopped one from an older image should not: the files live on the volume.
      await this.removeContainer(name);
      info = undefined;
    }
    if (!info) {
      await this.createContainer(userId, name);
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
    if (provisioning !== "reused") {
      await waitUntilAnswering(this, handle, { deadline: Date.now() + this.options.readinessTimeoutMs, pollIntervalMs: 100 });
    }
    logger.debug({ userId, container: name, provisioning, ms: Date.now() - startedAt }, "workspace ensured");
    return handle;
  }

  private async createContainer(userId: string, name: string): Promise<void> {
    const volume = workspaceVolumeName(userId);
    await withDockerRetry(
      "create the workspace volume",
      () => this.docker.createVolume({ Name: volume, Labels: workspaceLabels(userId, "workspace-data") }),
      this.options.retry,
    );
    const memoryBytes = this.options.memoryMb * 1024 * 1024;
    const network = this.options.networkIsolation
      ? await ensureWorkspaceNetwork(this.docker, userId, { subnetPool: this.options.networkIsolation.subnetPool, retry: this.options.retry })
      : (this.options.network ?? "bridge");
    try {
      await withDockerRetry(
        "create the workspace",
        () =>
          this.docker.createContainer({
            name,
            Image: this.options.image,
            // The container only has to stay up; agents run through exec. Docker's init (tini) is PID 1 and reaps orphans.
            Entrypoint: ["sleep"],
            Cmd: ["infinity"],
            User: WORKSPACE_USER,
            WorkingDir: WORKSPACE_ROOT,
            Hostname: "workspace",
            Labels: workspaceLabels(userId, "workspace"),
            HostConfig: {
              Init: true,
              // Only the user's own volume: no host paths, no Docker socket.
              Mounts: [{ Type: "volume", Source: volume, Target: WORKSPACE_ROOT }],
              Tmpfs: { "/tmp": `rw,nosuid,nodev,size=${this.options.tmpfsMb}m,mode=1777` },
              Memory: memoryBytes,
              MemorySwap: memoryBytes,
              NanoCpus: Math.round(this.options.cpus * 1e9),
              PidsLimit: this.options.pidsLimit,
              CapDrop: ["ALL"],
              SecurityOpt: ["no-new-privileges"],
              ExtraHosts: ["host.docker.internal:host-gateway"],
              NetworkMode: network,
              RestartPolicy: { Name: "no" },
              LogConfig: { Type: "json-file", Config: { "max-size": "1m", "max-file": "1" } },
            },
          }),
        this.options.retry,
      );
    } catch (error) {
      const status = dockerStatusCode(error);
      // Another server process created it first: use theirs.
      if (status === 409) return;
      if (status === 404) {
        throw new AppError("workspace_unavailable", `The workspace image ${this.options.image} is missing: run "npm run provision" to build it.`, {
          cause: error,
        });
      }
      throw error;
    }
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

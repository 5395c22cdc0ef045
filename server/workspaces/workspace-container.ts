import type Docker from "dockerode";

import { AppError } from "../../lib/errors";
import { dockerStatusCode, withDockerRetry, type RetryPolicy } from "./docker-retry";
import { WORKSPACE_GID, WORKSPACE_HOME, WORKSPACE_HOME_TMPFS_MB, WORKSPACE_ROOT, WORKSPACE_UID } from "./workspace-names";

export const WORKSPACE_USER = `${WORKSPACE_UID}:${WORKSPACE_GID}`;

export interface WorkspaceContainerLimits {
  image: string;
  memoryMb: number;
  cpus: number;
  pidsLimit: number;
  tmpfsMb: number;
  retry: RetryPolicy;
}

export interface WorkspaceContainerSpec {
  name: string;
  labels: Record<string, string>;
  volume: string;
  /** A Docker network name (the user's or slot's own, or the shared one). */
  network: string;
}

/**
 * Creates a workspace container: a user's, or a warm-pool slot that becomes one, so both get
 * exactly the same confinement. Returns false when the name is taken (another server made it first).
 */
export async function createWorkspaceContainer(docker: Docker, limits: WorkspaceContainerLimits, spec: WorkspaceContainerSpec): Promise<boolean> {
  const memoryBytes = limits.memoryMb * 1024 * 1024;
  try {
    await withDockerRetry(
      "create the workspace",
      () =>
        docker.createContainer({
          name: spec.name,
          Image: limits.image,
          // The container only has to stay up; agents run through exec. Docker's init (tini) is PID 1 and reaps orphans.
          Entrypoint: ["sleep"],
          Cmd: ["infinity"],
          User: WORKSPACE_USER,
          WorkingDir: WORKSPACE_ROOT,
          Hostname: "workspace",
          Labels: spec.labels,
          HostConfig: {
            Init: true,
            // Only its own volume: no host paths, no Docker socket.
            Mounts: [{ Type: "volume", Source: spec.volume, Target: WORKSPACE_ROOT }],
            // Nothing written outside the volume reaches the host's disk through the container layer:
            // the root is read-only, /tmp and HOME are memory-backed (they count against Memory).
            ReadonlyRootfs: true,
            Tmpfs: {
              "/tmp": `rw,nosuid,nodev,size=${limits.tmpfsMb}m,mode=1777`,
              [WORKSPACE_HOME]: `rw,nosuid,nodev,size=${WORKSPACE_HOME_TMPFS_MB}m,uid=${WORKSPACE_UID},gid=${WORKSPACE_GID},mode=0700`,
            },
            Memory: memoryBytes,
            MemorySwap: memoryBytes,
            NanoCpus: Math.round(limits.cpus * 1e9),
            PidsLimit: limits.pidsLimit,
            CapDrop: ["ALL"],
            SecurityOpt: ["no-new-privileges"],
            ExtraHosts: ["host.docker.internal:host-gateway"],
            NetworkMode: spec.network,
            RestartPolicy: { Name: "no" },
            LogConfig: { Type: "json-file", Config: { "max-size": "1m", "max-file": "1" } },
          },
        }),
      limits.retry,
    );
    return true;
  } catch (error) {
    const status = dockerStatusCode(error);
    if (status === 409) return false;
    if (status === 404) {
      throw new AppError("workspace_unavailable", `The workspace image ${limits.image} is missing: run "npm run provision" to build it.`, {
        cause: error,
      });
    }
    throw error;
  }
}

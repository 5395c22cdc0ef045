import type Docker from "dockerode";
import { logger } from "../logger";
import { defaultRetryPolicy } from "./docker-retry";
import { WORKSPACE_GID, WORKSPACE_UID, workspaceLabels } from "./workspace-names";
import { resolveWorkspaceStorage } from "./workspace-storage";
import type { WorkspaceRuntime } from "./workspace-runtime";

/**
 * Moves a guest's workspace files into the account they signed in with, so their agents keep
 * their folders and Claude sessions. Volumes cannot be renamed: a short-lived container with both
 * volumes copies the files (agent folders are named by unique agent ids, so nothing collides),
 * then the guest's container and volume go.
 */
export async function moveWorkspaceFiles(
  docker: Docker,
  runtime: WorkspaceRuntime,
  image: string,
  fromUserId: string,
  toUserId: string,
): Promise<{ moved: boolean }> {
  // Either may have come from the warm pool: then its files are on the slot's volume.
  const { volume: fromVolume } = await resolveWorkspaceStorage(docker, fromUserId, defaultRetryPolicy);
  const exists = await docker
    .getVolume(fromVolume)
    .inspect()
    .then(() => true)
    .catch(() => false);
  if (!exists) return { moved: false };

  // No process may write the guest's files while they are copied; the account's volume must exist
  // with the workspace user's ownership, which ensureWorkspace sets up.
  await runtime.removeWorkspace(fromUserId);
  await runtime.ensureWorkspace(toUserId);
  const { volume: toVolume } = await resolveWorkspaceStorage(docker, toUserId, defaultRetryPolicy);

  const copier = await docker.createContainer({
    Image: image,
    Entrypoint: ["cp"],
    Cmd: ["-a", "--no-clobber", "/from/.", "/to/"],
    User: `${WORKSPACE_UID}:${WORKSPACE_GID}`,
    Labels: workspaceLabels(toUserId, "workspace"),
    NetworkDisabled: true,
    HostConfig: {
      Mounts: [
        { Type: "volume", Source: fromVolume, Target: "/from", ReadOnly: true },
        { Type: "volume", Source: toVolume, Target: "/to" },
      ],
      CapDrop: ["ALL"],
      SecurityOpt: ["no-new-privileges"],
      NetworkMode: "none",
    },
  });
  try {
    await copier.start();
    const { StatusCode } = (await copier.wait()) as { StatusCode: number };
    if (StatusCode !== 0) throw new Error(`copying the guest's files exited with ${StatusCode}`);
  } finally {
    await copier.remove({ force: true }).catch(() => undefined);
  }
  await runtime.deleteUserWorkspace(fromUserId);
  logger.info({ fromUserId, toUserId }, "moved a guest's workspace files to their account");
  return { moved: true };
}

/**
 * The same move for any runtime (Kubernetes pods, whose volumes no side container can mount):
 * the guest's files stream as a tar from one workspace into the other through exec. The guest's
 * workspace is started afresh first, so no process of theirs writes while the files are read.
 */
export async function copyWorkspaceFilesThroughRuntime(runtime: WorkspaceRuntime, fromUserId: string, toUserId: string): Promise<{ moved: boolean }> {
  const known = (await runtime.listWorkspaces()).some((workspace) => workspace.userId === fromUserId);
  if (!known) return { moved: false };
  await runtime.removeWorkspace(fromUserId);
  const from = await runtime.ensureWorkspace(fromUserId);
  const to = await runtime.ensureWorkspace(toUserId);
  const reader = runtime.spawn(from, ["tar", "-C", "/workspace", "-cf", "-", "."]);
  // --skip-old-files: like cp --no-clobber, what the account already has stays as it is.
  const writer = runtime.spawn(to, ["tar", "-C", "/workspace", "--skip-old-files", "-xf", "-"]);
  reader.stdout.pipe(writer.stdin);
  const [read, written] = await Promise.all([reader.exited, writer.exited]);
  if (read.exitCode !== 0 || written.exitCode !== 0) {
    throw new Error(`copying the guest's files failed (tar exited ${read.exitCode ?? read.signal} reading, ${written.exitCode ?? written.signal} writing)`);
  }
  await runtime.deleteUserWorkspace(fromUserId);
  logger.info({ fromUserId, toUserId }, "moved a guest's workspace files to their account");
  return { moved: true };
}

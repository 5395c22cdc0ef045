import type Docker from "dockerode";
import { logger } from "../logger";
import { WORKSPACE_GID, WORKSPACE_UID, workspaceLabels, workspaceVolumeName } from "./workspace-names";
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
  const fromVolume = workspaceVolumeName(fromUserId);
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
        { Type: "volume", Source: workspaceVolumeName(toUserId), Target: "/to" },
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

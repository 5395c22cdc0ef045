import type Docker from "dockerode";
import { USER_LABEL } from "../../../server/workspaces/workspace-names";

/** Removes every workspace container, volume and network whose user id starts with this test run's prefix. */
export async function removeTestWorkspaces(docker: Docker, prefix: string): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [USER_LABEL] }) });
  await Promise.all(
    containers
      .filter((c) => c.Labels[USER_LABEL]?.startsWith(prefix))
      .map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)),
  );
  const { Volumes } = await docker.listVolumes({ filters: JSON.stringify({ label: [USER_LABEL] }) });
  await Promise.all(
    (Volumes ?? []).filter((v) => v.Labels?.[USER_LABEL]?.startsWith(prefix)).map((v) => docker.getVolume(v.Name).remove().catch(() => undefined)),
  );
  // Per-user networks (workspace network isolation), once their containers are gone.
  const networks = await docker.listNetworks({ filters: JSON.stringify({ label: [USER_LABEL] }) });
  await Promise.all(
    networks.filter((n) => n.Labels?.[USER_LABEL]?.startsWith(prefix)).map((n) => docker.getNetwork(n.Id).remove().catch(() => undefined)),
  );
}

/** Fails the suite up front, with the command to run, when the workspace image was never built. */
export async function requireWorkspaceImage(docker: Docker, image: string): Promise<void> {
  await docker
    .getImage(image)
    .inspect()
    .catch(() => {
      throw new Error(`Workspace image ${image} is missing: run "npm run provision" first (or set WORKSPACE_IMAGE).`);
    });
}

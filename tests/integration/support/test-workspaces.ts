import { execFileSync } from "node:child_process";
import type Docker from "dockerode";
import {
  KIND_LABEL,
  POOL_LABEL,
  POOL_NETWORK_LABEL,
  POOL_VOLUME_LABEL,
  USER_LABEL,
  workspaceContainerName,
} from "../../../server/workspaces/workspace-names";

/** Removes every workspace container, volume and network whose user id starts with this test run's prefix. */
export async function removeTestWorkspaces(docker: Docker, prefix: string): Promise<void> {
  // Users who claimed a warm-pool slot: their container, volume and network carry the pool's labels, the claim names them.
  const claims = await docker.listVolumes({ filters: JSON.stringify({ label: [`${KIND_LABEL}=workspace-claim`] }) });
  for (const claim of (claims.Volumes ?? []).filter((v) => v.Labels?.[USER_LABEL]?.startsWith(prefix))) {
    const labels = claim.Labels ?? {};
    await docker.getContainer(workspaceContainerName(labels[USER_LABEL]!)).remove({ force: true }).catch(() => undefined);
    if (labels[POOL_VOLUME_LABEL]) await docker.getVolume(labels[POOL_VOLUME_LABEL]).remove().catch(() => undefined);
    if (labels[POOL_NETWORK_LABEL]) await docker.getNetwork(labels[POOL_NETWORK_LABEL]).remove().catch(() => undefined);
  }
  const containers = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [USER_LABEL] }) });
  await Promise.all(
    containers
      .filter((c) => c.Labels[USER_LABEL]?.startsWith(prefix))
      .map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)),
  );
  const { Volumes } = await docker.listVolumes({ filters: JSON.stringify({ label: [USER_LABEL] }) });
  const volumes = (Volumes ?? []).filter((v) => v.Labels?.[USER_LABEL]?.startsWith(prefix));
  await Promise.all(volumes.map((v) => docker.getVolume(v.Name).remove().catch(() => undefined)));
  freeLoopDevices(volumes);
  // Per-user networks (workspace network isolation), once their containers are gone.
  const networks = await docker.listNetworks({ filters: JSON.stringify({ label: [USER_LABEL] }) });
  await Promise.all(
    networks.filter((n) => n.Labels?.[USER_LABEL]?.startsWith(prefix)).map((n) => docker.getNetwork(n.Id).remove().catch(() => undefined)),
  );
}

/** A volume on a workspace disk (WORKSPACE_DISK_MB) holds a loop device: freed with it, or the host runs out of them. */
function freeLoopDevices(volumes: Docker.VolumeInspectInfo[]): void {
  for (const volume of volumes) {
    const device = (volume.Options as Record<string, string> | null)?.device;
    if (!device?.startsWith("/dev/loop")) continue;
    try {
      // Only while it still holds this volume's image: the number may already be another disk's.
      const backing = execFileSync("losetup", ["-n", "-O", "BACK-FILE", device], { encoding: "utf8" });
      if (backing.includes(`/${volume.Name}.img`)) execFileSync("losetup", ["-d", device], { stdio: "ignore" });
    } catch {
      // Already detached (the runtime's own delete did it).
    }
  }
}

/** Removes every object of one warm pool (its prefix): ready slots and the ones users claimed. */
export async function removeTestWarmPool(docker: Docker, pool: string): Promise<void> {
  const filters = JSON.stringify({ label: [`${POOL_LABEL}=${pool}`] });
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  const { Volumes } = await docker.listVolumes({ filters });
  await Promise.all((Volumes ?? []).map((v) => docker.getVolume(v.Name).remove().catch(() => undefined)));
  freeLoopDevices(Volumes ?? []);
  const networks = await docker.listNetworks({ filters });
  await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove().catch(() => undefined)));
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

/**
 * Command lines of the processes in a user's workspace container whose environment has an entry
 * starting with `marker` (e.g. "AGENT_PLATFORM_PROCESS_ID=" for anything a server started, or
 * "AGENTDESK_SERVER_INSTANCE=replica-1" with `exact` for one server's), one per line.
 */
export async function markedProcessesIn(docker: Docker, userId: string, marker: string, options: { exact?: boolean } = {}): Promise<string> {
  const match = options.exact ? "-lsazFx" : "-lsaF";
  const exec = await docker.getContainer(workspaceContainerName(userId)).exec({
    Cmd: ["sh", "-c", `grep ${match} -- "$1" /proc/[0-9]*/environ | sed -e "s#/environ##" -e "s#/proc/##" | while read p; do tr "\\0" " " < /proc/$p/cmdline; echo; done`, "sh", marker],
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  await new Promise((resolve) => stream.on("end", resolve));
  // Strip Docker's 8-byte frame headers.
  return Buffer.concat(chunks).toString("latin1").replace(/[\x00-\x08]/g, "").trim();
}

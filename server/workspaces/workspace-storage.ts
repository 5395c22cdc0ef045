import type Docker from "dockerode";

import { dockerStatusCode, withDockerRetry, type RetryPolicy } from "./docker-retry";
import { userNetworkTarget, type WorkspaceNetworkTarget } from "./workspace-network";
import {
  KIND_LABEL,
  POOL_LABEL,
  POOL_NETWORK_LABEL,
  POOL_SLOT_LABEL,
  POOL_VOLUME_LABEL,
  USER_LABEL,
  workspaceBridgeName,
  workspaceClaimName,
  workspaceContainerName,
  workspaceLabels,
  warmPoolLabels,
  workspaceVolumeName,
} from "./workspace-names";

/*
 * Where a user's files and network live. Usually named after the user; for a user whose workspace
 * came from the warm pool they are the slot's (volumes and networks cannot be renamed), recorded
 * by a claim. Everything that needs a user's volume or network asks here, so a claimed user is
 * never given a fresh empty volume next to their real one.
 */

export interface WorkspaceStorage {
  volume: string;
  network: WorkspaceNetworkTarget;
  /** Set when the workspace came from the warm pool: the slot it was. */
  slot?: string;
}

export interface PoolSlotNames {
  /** Container name of a ready slot; while it is being made ready it is `${slot}.warming`. */
  slot: string;
  volume: string;
  network: WorkspaceNetworkTarget;
}

export function poolSlotNames(pool: string, slot: string): PoolSlotNames {
  return {
    slot,
    volume: `${slot}-data`,
    network: { name: `${slot}-net`, bridge: workspaceBridgeName(slot), subnetSeed: slot, labels: warmPoolLabels(pool, "workspace-pool-network") },
  };
}

export function userStorage(userId: string): WorkspaceStorage {
  return { volume: workspaceVolumeName(userId), network: userNetworkTarget(userId) };
}

/** A pool container's (or claim's) labels name its slot; the rest follows from the slot id. */
export function storageFromSlotLabels(labels: Record<string, string> | undefined): WorkspaceStorage | undefined {
  const slot = labels?.[POOL_SLOT_LABEL];
  const pool = labels?.[POOL_LABEL];
  if (!slot || !pool) return undefined;
  const names = poolSlotNames(pool, slot);
  return { slot, volume: labels[POOL_VOLUME_LABEL] ?? names.volume, network: { ...names.network, name: labels[POOL_NETWORK_LABEL] ?? names.network.name } };
}

/** An inspect that answers undefined for a missing object (404) instead of throwing. */
export async function inspectOrUndefined<T>(operation: string, call: () => Promise<T>, retry: RetryPolicy): Promise<T | undefined> {
  try {
    return await withDockerRetry(operation, call, retry);
  } catch (error) {
    if (dockerStatusCode(error) === 404) return undefined;
    throw error;
  }
}

/** The user's claim of a pool slot, if any: from the claim record, else from a renamed pool container whose claim was never written. */
export async function findClaimedStorage(docker: Docker, userId: string, retry: RetryPolicy): Promise<WorkspaceStorage | undefined> {
  const claim = await inspectOrUndefined("inspect the workspace claim", () => docker.getVolume(workspaceClaimName(userId)).inspect(), retry);
  const recorded = storageFromSlotLabels(claim?.Labels ?? undefined);
  if (recorded) return recorded;
  const container = await inspectOrUndefined("inspect the workspace", () => docker.getContainer(workspaceContainerName(userId)).inspect(), retry);
  const labels = container?.Config.Labels;
  if (labels?.[KIND_LABEL] !== "workspace-pool") return undefined;
  // Renamed to the user's name (only a claim does that) but the server stopped before the claim
  // was recorded: the container's own labels say which slot it is; record it now.
  const recovered = storageFromSlotLabels(labels);
  if (recovered) await recordClaim(docker, userId, labels, retry);
  return recovered;
}

export async function resolveWorkspaceStorage(docker: Docker, userId: string, retry: RetryPolicy): Promise<WorkspaceStorage> {
  return (await findClaimedStorage(docker, userId, retry)) ?? userStorage(userId);
}

/** Writes the claim: an empty volume labelled with the user and the slot's names. Idempotent. */
export async function recordClaim(docker: Docker, userId: string, slotLabels: Record<string, string>, retry: RetryPolicy): Promise<void> {
  const labels = { ...workspaceLabels(userId, "workspace-claim") };
  for (const key of [POOL_LABEL, POOL_SLOT_LABEL, POOL_VOLUME_LABEL, POOL_NETWORK_LABEL]) {
    if (slotLabels[key] !== undefined) labels[key] = slotLabels[key];
  }
  // Creating a volume that exists returns it (no 409), so a retry or a second server is harmless.
  await withDockerRetry("record the workspace claim", () => docker.createVolume({ Name: workspaceClaimName(userId), Labels: labels }), retry);
}

export async function removeClaim(docker: Docker, userId: string, retry: RetryPolicy): Promise<void> {
  await removeVolume(docker, workspaceClaimName(userId), retry);
}

export async function removeVolume(docker: Docker, name: string, retry: RetryPolicy): Promise<void> {
  try {
    await withDockerRetry("delete the workspace files", () => docker.getVolume(name).remove(), retry);
  } catch (error) {
    if (dockerStatusCode(error) !== 404) throw error;
  }
}

/** Claim records by slot id, for naming the user of a claimed pool container in a listing. */
export async function claimsBySlot(docker: Docker, retry: RetryPolicy): Promise<Map<string, string>> {
  const { Volumes } = await withDockerRetry(
    "list workspace claims",
    () => docker.listVolumes({ filters: JSON.stringify({ label: [`${KIND_LABEL}=workspace-claim`] }) }),
    retry,
  );
  const bySlot = new Map<string, string>();
  for (const volume of Volumes ?? []) {
    const slot = volume.Labels?.[POOL_SLOT_LABEL];
    const userId = volume.Labels?.[USER_LABEL];
    if (slot && userId) bySlot.set(slot, userId);
  }
  return bySlot;
}

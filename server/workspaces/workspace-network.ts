import { createHash } from "node:crypto";
import type Docker from "dockerode";

import { AppError } from "../../lib/errors";
import { dockerStatusCode, withDockerRetry, type RetryPolicy } from "./docker-retry";
import { workspaceBridgeName, workspaceLabels, workspaceNetworkName } from "./workspace-names";

/** Everything a workspace network is made from; a user's and a warm-pool slot's are built the same way. */
export interface WorkspaceNetworkTarget {
  name: string;
  /** Host-side bridge interface: the shared prefix puts it under the egress firewall rules. */
  bridge: string;
  /** Where the subnet search starts. */
  subnetSeed: string;
  labels: Record<string, string>;
}

export function userNetworkTarget(userId: string): WorkspaceNetworkTarget {
  return { name: workspaceNetworkName(userId), bridge: workspaceBridgeName(userId), subnetSeed: userId, labels: workspaceLabels(userId, "workspace-network") };
}

/**
 * One Docker network per user, marked internal so it has no route out: the user's container
 * reaches neither the internet nor another user's container, only what the host lets through
 * (the egress proxy; see server/egress/egress-firewall.ts).
 *
 * Docker's default address pools hold about 30 networks, so each user's network gets a small
 * subnet (/28) carved from WORKSPACE_SUBNET_POOL instead, starting at a place derived from the
 * user id and moving on when that subnet is taken.
 */

const SUBNET_PREFIX = 28;
const MAX_SUBNET_ATTEMPTS = 64;

export interface WorkspaceNetworkOptions {
  /** IPv4 CIDR the per-user subnets come from, e.g. 10.213.0.0/16. */
  subnetPool: string;
  retry: RetryPolicy;
}

export function parseSubnetPool(cidr: string): { base: number; prefix: number } {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  const octets = match ? match.slice(1, 5).map(Number) : [];
  const prefix = match ? Number(match[5]) : NaN;
  if (!match || octets.some((octet) => octet > 255) || prefix < 8 || prefix > SUBNET_PREFIX) {
    throw new Error(`"${cidr}" is not an IPv4 range between /8 and /${SUBNET_PREFIX} (e.g. 10.213.0.0/16).`);
  }
  const base = (((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0) & (~0 << (32 - prefix));
  return { base: base >>> 0, prefix };
}

function toDotted(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join(".");
}

/** The n-th candidate subnet for a user: deterministic, so a re-created network usually gets the same one. */
export function candidateSubnet(pool: string, userId: string, attempt: number): { subnet: string; gateway: string } {
  const { base, prefix } = parseSubnetPool(pool);
  const count = 2 ** (SUBNET_PREFIX - prefix);
  const start = Number.parseInt(createHash("sha256").update(userId).digest("hex").slice(0, 8), 16) % count;
  const index = (start + attempt) % count;
  const network = (base + index * 2 ** (32 - SUBNET_PREFIX)) >>> 0;
  return { subnet: `${toDotted(network)}/${SUBNET_PREFIX}`, gateway: toDotted(network + 1) };
}

function isOverlap(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /overlap/i.test(message);
}

/** Creates the network unless it exists (another server may create it at the same moment). */
export async function ensureWorkspaceNetwork(docker: Docker, target: WorkspaceNetworkTarget, options: WorkspaceNetworkOptions): Promise<string> {
  const { name } = target;
  const existing = await withDockerRetry("inspect the workspace network", () => docker.getNetwork(name).inspect(), options.retry).catch(
    (error: unknown) => {
      if (dockerStatusCode(error) === 404) return undefined;
      throw error;
    },
  );
  if (existing) return name;
  for (let attempt = 0; attempt < MAX_SUBNET_ATTEMPTS; attempt += 1) {
    const { subnet, gateway } = candidateSubnet(options.subnetPool, target.subnetSeed, attempt);
    try {
      await withDockerRetry(
        "create the workspace network",
        () =>
          docker.createNetwork({
            Name: name,
            Driver: "bridge",
            Internal: true,
            CheckDuplicate: true,
            Labels: target.labels,
            IPAM: { Driver: "default", Config: [{ Subnet: subnet, Gateway: gateway }] },
            Options: { "com.docker.network.bridge.name": target.bridge },
          }),
        options.retry,
      );
      return name;
    } catch (error) {
      // 409: created by someone else in the meantime.
      if (dockerStatusCode(error) === 409) return name;
      if (isOverlap(error)) continue;
      throw error;
    }
  }
  throw new AppError(
    "workspace_unavailable",
    `No free subnet for a workspace network in WORKSPACE_SUBNET_POOL (${options.subnetPool}): give it a larger range.`,
  );
}

/** Removes a workspace network once its container is gone; absent is fine. */
export async function removeWorkspaceNetwork(docker: Docker, name: string, retry: RetryPolicy): Promise<void> {
  try {
    await withDockerRetry("remove the workspace network", () => docker.getNetwork(name).remove(), retry);
  } catch (error) {
    if (dockerStatusCode(error) !== 404) throw error;
  }
}

/**
 * Warm-pool benchmark (issue #12): a new user's ensureWorkspace taken from the warm pool (a claim)
 * against one made from nothing (cold: volume, network, container, start, readiness check), with
 * network isolation as in production. Real Docker, real workspace image; its own pool prefix and
 * user ids, all removed at the end. Bounded: a fixed number of rounds, one at a time.
 *
 *   npx tsx bench/warm-pool-bench.ts [--rounds 7]
 */
import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { loadConfig } from "../server/config";
import { DockerWorkspaceRuntime } from "../server/workspaces/docker-workspace-runtime";
import { DEFAULT_WARM_POOL_PREFIX, POOL_LABEL } from "../server/workspaces/workspace-names";
import { printReport, type Figure } from "./stats";

const rounds = Math.max(5, Number(process.argv[process.argv.indexOf("--rounds") + 1] || 7));
const config = loadConfig({ ...process.env, LOG_LEVEL: "warn" });
const docker = new Docker();
const run = randomBytes(3).toString("hex");
const pool = `${DEFAULT_WARM_POOL_PREFIX}-bench${run}`;
const base = {
  image: config.WORKSPACE_IMAGE,
  memoryMb: config.WORKSPACE_MEMORY_MB,
  cpus: config.WORKSPACE_CPUS,
  pidsLimit: config.WORKSPACE_PIDS_LIMIT,
  networkIsolation: config.WORKSPACE_NETWORK_ISOLATION ? { subnetPool: config.WORKSPACE_SUBNET_POOL } : undefined,
};

async function removePool(): Promise<void> {
  const filters = JSON.stringify({ label: [`${POOL_LABEL}=${pool}`] });
  for (const container of await docker.listContainers({ all: true, filters })) await docker.getContainer(container.Id).remove({ force: true }).catch(() => undefined);
  for (const volume of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(volume.Name).remove().catch(() => undefined);
  for (const network of await docker.listNetworks({ filters })) await docker.getNetwork(network.Id).remove().catch(() => undefined);
}

async function main() {
  const cold = new DockerWorkspaceRuntime(docker, base);
  const pooled = new DockerWorkspaceRuntime(docker, { ...base, warmPool: { size: 1, prefix: pool } });
  const coldEnsure = figure("new user, cold (volume+network+create+start+ready)", "≤ 800 p50");
  const claimEnsure = figure("new user, from the warm pool (claim)", "≤ 150 p50");
  const refill = figure("pool refill, one slot (background)");
  const users: { runtime: DockerWorkspaceRuntime; userId: string }[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const coldUser = `bench-cold-${run}-${round}`;
      users.push({ runtime: cold, userId: coldUser });
      let started = performance.now();
      await cold.ensureWorkspace(coldUser);
      coldEnsure.samples.push(performance.now() - started);

      // The pool is refilled between arrivals, as the background filler does on an idle machine.
      started = performance.now();
      while (pooled.warmPoolReady < 1) await pooled.refillWarmPool();
      refill.samples.push(performance.now() - started);
      const pooledUser = `bench-pool-${run}-${round}`;
      users.push({ runtime: pooled, userId: pooledUser });
      started = performance.now();
      const handle = await pooled.ensureWorkspace(pooledUser);
      claimEnsure.samples.push(performance.now() - started);
      if (handle.provisioning !== "created") throw new Error(`expected a claim for ${pooledUser}, got ${handle.provisioning}`);
      process.stderr.write(`round ${round + 1}/${rounds} done\n`);
    }
  } finally {
    for (const { runtime, userId } of users) await runtime.deleteUserWorkspace(userId).catch(() => undefined);
    await removePool();
  }
  printReport("warm-pool", [coldEnsure, claimEnsure, refill], { rounds, networkIsolation: base.networkIsolation !== undefined });
}

function figure(name: string, target?: string): Figure {
  return { name, unit: "ms", samples: [], ...(target ? { target } : {}) };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

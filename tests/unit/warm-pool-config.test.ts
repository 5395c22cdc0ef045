import { describe, expect, it } from "vitest";

import { loadConfig } from "@/server/config";
import { platformMetricSources } from "@/server/metrics/metric-sources";
import { platformMetrics } from "@/server/metrics/platform-metrics";
import { startWarmPool } from "@/server/workspaces/create-workspace-runtime";
import { dockerWorkspaceOptionsFromConfig } from "@/server/workspaces/docker-workspace-runtime";
import type { WorkspaceRuntime } from "@/server/workspaces/workspace-runtime";
import { DEFAULT_WARM_POOL_PREFIX, workspaceContainerName, workspaceNetworkName, workspaceVolumeName } from "@/server/workspaces/workspace-names";

const runner = { liveProcessCount: 0, liveCliCap: 1, queuedTurnCount: 0, startsInProgress: 0, cliStartCap: 1 };
const parts = { runner, runtime: { listWorkspaces: async () => [] }, activity: { usage: async () => ({ busy: false, idleForMs: 0 }) }, socketsConnected: () => 0 };

describe("warm pool settings", () => {
  it("keeps two workspaces ready by default, and none with WORKSPACE_WARM_POOL=0", () => {
    expect(dockerWorkspaceOptionsFromConfig(loadConfig({ NODE_ENV: "test" })).warmPool).toEqual({ size: 2, prefix: DEFAULT_WARM_POOL_PREFIX });
    expect(dockerWorkspaceOptionsFromConfig(loadConfig({ NODE_ENV: "test", WORKSPACE_WARM_POOL: "0" })).warmPool).toBeUndefined();
  });

  it("refuses a pool size that is not a small whole number, with the variable's name", () => {
    expect(() => loadConfig({ NODE_ENV: "test", WORKSPACE_WARM_POOL: "-1" })).toThrow(/WORKSPACE_WARM_POOL/);
    expect(() => loadConfig({ NODE_ENV: "test", WORKSPACE_WARM_POOL: "lots" })).toThrow(/WORKSPACE_WARM_POOL/);
  });

  it("names pool slots so that no user's container, volume or network can ever be one", () => {
    // A user whose id looks like a slot still gets names outside the pool's prefix.
    const lookalike = `${DEFAULT_WARM_POOL_PREFIX.split(".")[1]}-0123456789`;
    for (const name of [workspaceContainerName(lookalike), workspaceVolumeName(lookalike), workspaceNetworkName(lookalike)]) {
      expect(name.startsWith(DEFAULT_WARM_POOL_PREFIX)).toBe(false);
    }
    expect(workspaceContainerName("agent-ws.pool-x")).not.toMatch(/^agent-ws\.pool/);
  });

  it("has no pool on a runtime other than Docker's (Kubernetes), whatever WORKSPACE_WARM_POOL says", async () => {
    const kubernetesLike = { listWorkspaces: async () => [] } as unknown as WorkspaceRuntime;
    const pool = startWarmPool(loadConfig({ NODE_ENV: "test", WORKSPACE_WARM_POOL: "3" }), kubernetesLike, () => false);
    expect(pool.readyCount()).toBe(0);
    await expect(pool.stop()).resolves.toBeUndefined();
  });

  it("reports the ready slots as agentdesk_warm_pool_ready", async () => {
    const metrics = platformMetrics();
    metrics.setSources(platformMetricSources({ ...parts, warmPoolReady: () => 2 }));
    try {
      expect(await metrics.registry.getSingleMetricAsString("agentdesk_warm_pool_ready")).toMatch(/^agentdesk_warm_pool_ready 2$/m);
      metrics.setSources(platformMetricSources(parts));
      expect(await metrics.registry.getSingleMetricAsString("agentdesk_warm_pool_ready")).toMatch(/^agentdesk_warm_pool_ready 0$/m);
    } finally {
      metrics.setSources(undefined);
    }
  });
});

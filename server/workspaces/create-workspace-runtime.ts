import { existsSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { KubeConfig } from "@kubernetes/client-node";

import type { PlatformConfig } from "../config";
import { dockerEngineCheck, workspaceImageCheck } from "../health-checks";
import type { HealthCheck } from "../http/health";
import { logger } from "../logger";
import { DockerWorkspaceRuntime, dockerWorkspaceOptionsFromConfig } from "./docker-workspace-runtime";
import { KubernetesWorkspaceRuntime, kubernetesWorkspaceOptionsFromConfig } from "./kubernetes-workspace-runtime";
import type { WorkspaceActivity } from "./workspace-activity";
import type { WorkspaceRuntime } from "./workspace-runtime";

export interface WorkspaceRuntimeDependencies {
  activity?: WorkspaceActivity;
  instanceId?: string;
  /** The platform's Docker client; unset, dockerode's default (DOCKER_HOST or the local socket). */
  docker?: Docker;
}

/** WORKSPACE_RUNTIME picks where workspaces run; everything above WorkspaceRuntime is the same either way. */
export function createWorkspaceRuntime(config: PlatformConfig, { activity, instanceId, docker }: WorkspaceRuntimeDependencies = {}): WorkspaceRuntime {
  if (config.WORKSPACE_RUNTIME === "kubernetes") {
    return new KubernetesWorkspaceRuntime(loadKubeConfig(config), kubernetesWorkspaceOptionsFromConfig(config, activity, instanceId));
  }
  return new DockerWorkspaceRuntime(docker ?? new Docker(), dockerWorkspaceOptionsFromConfig(config, activity, instanceId));
}

/** KUBECONFIG when set (a developer's cluster), else the pod's service account, else ~/.kube/config. */
export function loadKubeConfig(config: Pick<PlatformConfig, "KUBECONFIG">): KubeConfig {
  const kubeConfig = new KubeConfig();
  const userConfig = path.join(homedir(), ".kube", "config");
  // Not loadFromDefault: with nothing configured it quietly falls back to http://localhost:8080.
  if (config.KUBECONFIG) kubeConfig.loadFromFile(config.KUBECONFIG);
  else if (process.env.KUBERNETES_SERVICE_HOST) kubeConfig.loadFromCluster();
  else if (existsSync(userConfig)) kubeConfig.loadFromFile(userConfig);
  if (!kubeConfig.getCurrentCluster()) {
    throw new Error("WORKSPACE_RUNTIME=kubernetes but no cluster is configured: set KUBECONFIG, or run the server in the cluster.");
  }
  return kubeConfig;
}

/** What /health checks for the runtime in use: the Docker engine and image, or the Kubernetes API. */
export function workspaceRuntimeHealthChecks(config: PlatformConfig, runtime: WorkspaceRuntime, docker: Docker): Record<string, HealthCheck> {
  if (runtime instanceof KubernetesWorkspaceRuntime) return { kubernetes: () => runtime.checkApi() };
  return { docker: dockerEngineCheck(docker), workspaceImage: workspaceImageCheck(docker, config.WORKSPACE_IMAGE) };
}

/**
 * Before any workspace starts: loop devices are gone after a reboot, so every workspace disk is
 * attached again and its volume pointed at it (Docker with WORKSPACE_DISK_MB; nothing to do on Kubernetes).
 */
export async function attachWorkspaceDisks(runtime: WorkspaceRuntime): Promise<void> {
  if (runtime instanceof DockerWorkspaceRuntime) await runtime.volumes.reattachAll();
}

export interface WarmPoolHandle {
  readyCount(): number;
  stop(): Promise<void>;
}

/**
 * Starts refilling the warm pool (WORKSPACE_WARM_POOL) while `isBusy` says no CLI is starting.
 * Docker only: on Kubernetes a pod and its claim would need a different claim protocol (labels
 * there are mutable, names are not), so the setting is ignored there, with one log line.
 */
export function startWarmPool(config: PlatformConfig, runtime: WorkspaceRuntime, isBusy: () => boolean): WarmPoolHandle {
  if (runtime instanceof DockerWorkspaceRuntime) {
    runtime.startWarmPool({ isBusy });
    return { readyCount: () => runtime.warmPoolReady, stop: () => runtime.stopWarmPool() };
  }
  if (config.WORKSPACE_WARM_POOL > 0) logger.info({ WORKSPACE_WARM_POOL: config.WORKSPACE_WARM_POOL }, "WORKSPACE_WARM_POOL is ignored on Kubernetes: no warm pool");
  return { readyCount: () => 0, stop: () => Promise.resolve() };
}

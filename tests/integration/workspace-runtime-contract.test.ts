import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe } from "vitest";

import { loadConfig, type PlatformConfig } from "../../server/config";
import { DockerWorkspaceRuntime } from "../../server/workspaces/docker-workspace-runtime";
import type { WorkspaceActivity } from "../../server/workspaces/workspace-activity";
import type { WorkspaceRuntime } from "../../server/workspaces/workspace-runtime";
import { describeWorkspaceRuntimeContract } from "../support/workspace-runtime-contract";
import { removeTestWorkspaces, requireWorkspaceImage } from "./support/test-workspaces";

// Docker: the machine's real engine and workspace image (`npm run provision` builds it), in every run.
const image = process.env.WORKSPACE_IMAGE ?? "agent-platform/workspace:latest";
const docker = new Docker();
const dockerPrefix = `itest-wsc-${randomBytes(3).toString("hex")}`;

describe("Docker runtime", () => {
  beforeAll(() => requireWorkspaceImage(docker, image));
  afterAll(() => removeTestWorkspaces(docker, dockerPrefix));

  describeWorkspaceRuntimeContract(
    "Docker",
    ({ activity, instanceId } = {}) => new DockerWorkspaceRuntime(docker, { image, memoryMb: 512, pidsLimit: 128, activity, instanceId }),
    { memoryMb: 512, pidsLimit: 128, stopKeepsWorkspace: true, execAsAnyUser: true, memoryKillSparesWorkspace: true },
    { userIdPrefix: dockerPrefix },
  );
});

// Kubernetes: only against a cluster someone points us at; no API server can run on this machine.
const factoryModule = path.resolve(__dirname, "../../server/workspaces/create-workspace-runtime.ts");
const kubernetesSkipReason = !process.env.KUBECONFIG
  ? "KUBECONFIG is not set — no Kubernetes API server can run on this machine"
  : !existsSync(factoryModule)
    ? "server/workspaces/create-workspace-runtime.ts does not exist yet"
    : undefined;
if (kubernetesSkipReason) {
  console.log(`Kubernetes workspace runtime contract skipped: ${kubernetesSkipReason}. docs/kubernetes-runtime-tests.md says how to run it on a kind or k3d cluster.`);
}

interface WorkspaceRuntimeFactoryModule {
  createWorkspaceRuntime(config: PlatformConfig, dependencies: { activity?: WorkspaceActivity; instanceId?: string }): WorkspaceRuntime | Promise<WorkspaceRuntime>;
}

const kubernetesConfig = () => loadConfig({ ...process.env, WORKSPACE_RUNTIME: "kubernetes" });

async function kubernetesRuntime(dependencies: { activity?: WorkspaceActivity; instanceId?: string } = {}): Promise<WorkspaceRuntime> {
  // A path in a variable, so this file compiles and runs before the module exists.
  const modulePath = "../../server/workspaces/create-workspace-runtime";
  const { createWorkspaceRuntime } = (await import(/* @vite-ignore */ modulePath)) as WorkspaceRuntimeFactoryModule;
  const runtime = await createWorkspaceRuntime(kubernetesConfig(), dependencies);
  if (runtime instanceof DockerWorkspaceRuntime) throw new Error("WORKSPACE_RUNTIME=kubernetes built the Docker runtime: the contract would test Docker twice.");
  return runtime;
}

const kubernetesPrefix = `itest-wsc-${randomBytes(3).toString("hex")}`;

describe.skipIf(kubernetesSkipReason !== undefined)(`Kubernetes runtime${kubernetesSkipReason ? ` (skipped: ${kubernetesSkipReason})` : ""}`, () => {
  const memoryMb = kubernetesSkipReason ? 0 : kubernetesConfig().WORKSPACE_MEMORY_MB;
  describeWorkspaceRuntimeContract(
    "Kubernetes",
    (dependencies) => kubernetesRuntime(dependencies),
    {
      memoryMb,
      // The pod spec has no process limit: the kubelet's podPidsLimit is one setting for every pod on the node.
      pidsLimit: null,
      // Stopping deletes the pod; the PersistentVolumeClaim keeps the files for the next one.
      stopKeepsWorkspace: false,
      // The API server's exec has no user field: commands run as the pod's runAsUser.
      execAsAnyUser: false,
      // cgroup v2 nodes (Kubernetes ≥ 1.28) set memory.oom.group: the container goes with the process.
      memoryKillSparesWorkspace: false,
    },
    { userIdPrefix: kubernetesPrefix },
  );
});

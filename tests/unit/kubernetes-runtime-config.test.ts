import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { afterAll, describe, expect, it } from "vitest";

import { ConfigError, loadConfig } from "@/server/config";
import { createWorkspaceRuntime, loadKubeConfig, workspaceRuntimeHealthChecks } from "@/server/workspaces/create-workspace-runtime";
import { DockerWorkspaceRuntime } from "@/server/workspaces/docker-workspace-runtime";
import { KubernetesWorkspaceRuntime } from "@/server/workspaces/kubernetes-workspace-runtime";

const folder = mkdtempSync(path.join(tmpdir(), "agentdesk-kubeconfig-"));
const kubeconfigFile = path.join(folder, "config");
writeFileSync(
  kubeconfigFile,
  [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: dev",
    "  cluster: { server: 'https://127.0.0.1:6443', insecure-skip-tls-verify: true }",
    "users:",
    "- name: dev",
    "  user: { token: dev-token }",
    "contexts:",
    "- name: dev",
    "  context: { cluster: dev, user: dev }",
    "current-context: dev",
    "",
  ].join("\n"),
);

afterAll(() => rmSync(folder, { recursive: true, force: true }));

const configFrom = (env: Record<string, string>) => loadConfig(env as unknown as NodeJS.ProcessEnv);

describe("WORKSPACE_RUNTIME and its settings", () => {
  it("defaults to Docker, and to the agentdesk-workspaces namespace for Kubernetes", () => {
    const config = configFrom({});
    expect(config).toMatchObject({ WORKSPACE_RUNTIME: "docker", WORKSPACE_NAMESPACE: "agentdesk-workspaces", WORKSPACE_VOLUME_GB: 10 });
    expect(config.KUBECONFIG).toBeUndefined();
    expect(config.WORKSPACE_STORAGE_CLASS).toBeUndefined();
  });

  it("refuses an unknown runtime and a namespace Kubernetes would refuse", () => {
    expect(() => configFrom({ WORKSPACE_RUNTIME: "podman" })).toThrow(ConfigError);
    expect(() => configFrom({ WORKSPACE_NAMESPACE: "Agent_Desk" })).toThrow(/WORKSPACE_NAMESPACE/);
    expect(configFrom({ WORKSPACE_STORAGE_CLASS: "" }).WORKSPACE_STORAGE_CLASS).toBeUndefined();
  });

  it("builds the Docker runtime by default and the Kubernetes one from KUBECONFIG", () => {
    expect(createWorkspaceRuntime(configFrom({}))).toBeInstanceOf(DockerWorkspaceRuntime);
    const config = configFrom({ WORKSPACE_RUNTIME: "kubernetes", KUBECONFIG: kubeconfigFile });
    const runtime = createWorkspaceRuntime(config, { instanceId: "instance-1" });
    expect(runtime).toBeInstanceOf(KubernetesWorkspaceRuntime);
    expect(loadKubeConfig(config).getCurrentCluster()?.server).toBe("https://127.0.0.1:6443");
  });

  it("checks the Kubernetes API in /health instead of the Docker engine", () => {
    const docker = new Docker();
    const kubernetes = createWorkspaceRuntime(configFrom({ WORKSPACE_RUNTIME: "kubernetes", KUBECONFIG: kubeconfigFile }));
    expect(Object.keys(workspaceRuntimeHealthChecks(configFrom({}), kubernetes, docker))).toEqual(["kubernetes"]);
    const local = createWorkspaceRuntime(configFrom({}), { docker });
    expect(Object.keys(workspaceRuntimeHealthChecks(configFrom({}), local, docker))).toEqual(["docker", "workspaceImage"]);
  });
});

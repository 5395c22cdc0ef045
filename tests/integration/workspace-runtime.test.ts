import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DockerWorkspaceRuntime } from "../../server/workspaces/docker-workspace-runtime";
import { removeTestWorkspaces, requireWorkspaceImage } from "./support/test-workspaces";
import { workspaceContainerName, workspaceVolumeName } from "../../server/workspaces/workspace-names";

// What only Docker has: containers, volumes and the engine's own settings. What every runtime must
// do (ensure, exec, spawn, stop, remove, delete, adopt, limits, isolation) is in
// tests/support/workspace-runtime-contract.ts, run by workspace-runtime-contract.test.ts.
// Real Docker engine, real workspace image (build it with `npm run provision`).
const image = process.env.WORKSPACE_IMAGE ?? "agent-platform/workspace:latest";
const docker = new Docker();
const prefix = `itest-ws-${randomBytes(3).toString("hex")}`;
const userId = (name: string) => `${prefix}-${name}`;
const runtime = new DockerWorkspaceRuntime(docker, { image, memoryMb: 512, pidsLimit: 128 });

const removeTestResources = () => removeTestWorkspaces(docker, prefix);

beforeAll(async () => {
  await requireWorkspaceImage(docker, image);
});

afterAll(removeTestResources);

describe("Docker workspace runtime", () => {
  it("creates exactly one container for concurrent first visits, even from two server processes", async () => {
    const ann = userId("concurrent");
    const otherServer = new DockerWorkspaceRuntime(docker, { image, memoryMb: 512, pidsLimit: 128 });
    await Promise.all([
      ...Array.from({ length: 6 }, () => runtime.ensureWorkspace(ann)),
      ...Array.from({ length: 3 }, () => otherServer.ensureWorkspace(ann)),
    ]);
    const named = await docker.listContainers({ all: true, filters: JSON.stringify({ name: [workspaceContainerName(ann)] }) });
    expect(named).toHaveLength(1);
  });

  it("runs with the configured limits and nothing of the host mounted", async () => {
    const handle = await runtime.ensureWorkspace(userId("limits"));
    const info = await docker.getContainer(handle.id).inspect();
    const host = info.HostConfig;
    expect(host.Memory).toBe(512 * 1024 * 1024);
    expect(host.MemorySwap).toBe(host.Memory);
    expect(host.NanoCpus).toBe(1e9);
    expect(host.PidsLimit).toBe(128);
    expect(host.CapDrop).toEqual(["ALL"]);
    expect(host.SecurityOpt).toContain("no-new-privileges");
    expect(host.Init).toBe(true);
    expect(host.Privileged).toBe(false);
    expect(host.ExtraHosts).toContain("host.docker.internal:host-gateway");
    expect(info.Config.User).toBe("1000:1000");
    expect(info.Mounts).toEqual([expect.objectContaining({ Type: "volume", Name: workspaceVolumeName(handle.userId), Destination: "/workspace" })]);
    expect(info.Mounts.some((m) => m.Source.includes("docker.sock"))).toBe(false);
    expect(info.Config.Labels).toMatchObject({ platform: "agent-platform", "platform.user": handle.userId });
  });

  it("keeps the container (same id) when stopped and the volume when removed", async () => {
    const bob = userId("persist");
    const first = await runtime.ensureWorkspace(bob);
    await runtime.stopWorkspace(bob);
    expect((await docker.getContainer(first.id).inspect()).State.Running).toBe(false);
    expect((await runtime.ensureWorkspace(bob)).id).toBe(first.id);

    await runtime.removeWorkspace(bob);
    await expect(docker.getContainer(first.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await runtime.listWorkspaces()).some((w) => w.userId === bob)).toBe(false);
    await expect(docker.getVolume(workspaceVolumeName(bob)).inspect()).resolves.toMatchObject({ Name: workspaceVolumeName(bob) });
  });

  it("deletes a user's container and volume", async () => {
    const carol = userId("delete");
    const handle = await runtime.ensureWorkspace(carol);
    await runtime.deleteUserWorkspace(carol);
    await expect(docker.getContainer(handle.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(docker.getVolume(workspaceVolumeName(carol)).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it("says clearly when the container engine cannot be reached", async () => {
    const unreachable = new DockerWorkspaceRuntime(new Docker({ socketPath: "/tmp/no-such-docker.sock" }), {
      image,
      retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 10 },
    });
    await expect(unreachable.ensureWorkspace(userId("nodocker"))).rejects.toMatchObject({
      code: "workspace_unavailable",
      message: expect.stringContaining("container engine did not answer"),
    });
  });
});

import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { WorkspaceActivity } from "../../server/workspaces/workspace-activity";
import { DockerWorkspaceRuntime } from "../../server/workspaces/docker-workspace-runtime";
import { removeTestWorkspaces, requireWorkspaceImage } from "./support/test-workspaces";
import { sweepIdleWorkspaces } from "../../server/workspaces/workspace-idle-sweeper";
import { workspaceContainerName, workspaceVolumeName } from "../../server/workspaces/workspace-names";

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
    const handles = await Promise.all([
      ...Array.from({ length: 6 }, () => runtime.ensureWorkspace(ann)),
      ...Array.from({ length: 3 }, () => otherServer.ensureWorkspace(ann)),
    ]);
    expect(new Set(handles.map((h) => h.id)).size).toBe(1);
    const named = await docker.listContainers({ all: true, filters: JSON.stringify({ name: [workspaceContainerName(ann)] }) });
    expect(named).toHaveLength(1);

    const warm = await runtime.ensureWorkspace(ann);
    expect(warm.provisioning).toBe("reused");
    expect(warm.id).toBe(handles[0]?.id);
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

    const whoami = await runtime.exec(handle, ["sh", "-c", "id -u; stat -c %u /workspace; test -S /var/run/docker.sock && echo socket || echo no-socket"]);
    expect(whoami.stdout.trim().split("\n")).toEqual(["1000", "1000", "no-socket"]);
  });

  it("gives each agent its own folder and Claude config directory owned by the workspace user", async () => {
    const handle = await runtime.ensureWorkspace(userId("agents"));
    const paths = await runtime.ensureAgentPaths(handle, "agent_1");
    const listing = await runtime.exec(handle, ["stat", "-c", "%U %n", paths.workdir, paths.claudeConfigDir]);
    expect(listing.stdout.trim().split("\n")).toEqual(["claude /workspace/agent-agent_1", "claude /workspace/.claude-agents/agent_1"]);
    await expect(runtime.ensureAgentPaths(handle, "../etc")).rejects.toMatchObject({ code: "bad_request" });
  });

  it("keeps the user's files when the container is stopped, removed and re-created", async () => {
    const bob = userId("persist");
    const first = await runtime.ensureWorkspace(bob);
    await runtime.ensureAgentPaths(first, "a1");
    await runtime.exec(first, ["sh", "-c", "echo kept > /workspace/agent-a1/notes.txt"]);

    await runtime.stopWorkspace(bob);
    expect(await runtime.isCurrent(first)).toBe(false);
    const restarted = await runtime.ensureWorkspace(bob);
    expect(restarted.provisioning).toBe("started");
    expect(restarted.id).toBe(first.id);

    await runtime.removeWorkspace(bob);
    const recreated = await runtime.ensureWorkspace(bob);
    expect(recreated.provisioning).toBe("created");
    expect(recreated.id).not.toBe(first.id);
    const read = await runtime.exec(recreated, ["cat", "/workspace/agent-a1/notes.txt"]);
    expect(read.stdout).toBe("kept\n");
  });

  it("keeps one user's files out of another user's workspace", async () => {
    const alice = await runtime.ensureWorkspace(userId("alice"));
    const mallory = await runtime.ensureWorkspace(userId("mallory"));
    await runtime.exec(alice, ["sh", "-c", "echo secret > /workspace/alice-secret.txt"]);
    const search = await runtime.exec(mallory, ["sh", "-c", "find / -xdev -name 'alice-secret*' 2>/dev/null; ls -A /workspace"]);
    expect(search.stdout).not.toContain("alice-secret");
    expect(alice.id).not.toBe(mallory.id);
  });

  it("kills a command that runs past its timeout, and a spawned process with everything it started", async () => {
    const handle = await runtime.ensureWorkspace(userId("kill"));
    const started = Date.now();
    const slow = await runtime.exec(handle, ["sleep", "30"], { timeoutMs: 300 });
    expect(slow.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);

    const tree = runtime.spawn(handle, ["sh", "-c", "sleep 300 & sleep 300 & wait"]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    tree.kill("SIGKILL");
    const exit = await tree.exited;
    expect(exit.exitCode).not.toBe(0);
    const left = await runtime.exec(handle, ["sh", "-c", "ps -eo args | grep -c '^sleep 300' || true"]);
    expect(left.stdout.trim()).toBe("0");
  });

  it("passes stdin through and reports exit codes", async () => {
    const handle = await runtime.ensureWorkspace(userId("kill"));
    const result = await runtime.exec(handle, ["sh", "-c", "cat; echo oops >&2; exit 3"], { stdin: "hello\n" });
    expect(result).toEqual({ exitCode: 3, stdout: "hello\n", stderr: "oops\n", timedOut: false });
  });

  it("kills a process over the memory limit without taking the workspace down", async () => {
    const handle = await runtime.ensureWorkspace(userId("memory"));
    // Multiplying writes every byte, so the pages really count against the limit.
    const hog = await runtime.exec(handle, ["python3", "-c", "x = b'x' * (1500 * 1024 * 1024); print(len(x))"], { timeoutMs: 60_000 });
    expect(hog.exitCode).toBe(137);
    expect(hog.stdout).toBe("");
    expect(await runtime.isCurrent(handle)).toBe(true);
    expect((await runtime.exec(handle, ["echo", "still here"])).stdout).toBe("still here\n");
  });

  it("stops a fork loop at the pids limit", async () => {
    const handle = await runtime.ensureWorkspace(userId("pids"));
    const script = [
      "import subprocess",
      "procs = []",
      "try:",
      "    for _ in range(1000): procs.append(subprocess.Popen(['sleep', '60']))",
      "    print('no limit', len(procs))",
      "except OSError as error:",
      "    print('limited at', len(procs), error.errno)",
      "finally:",
      "    for p in procs: p.kill()",
    ].join("\n");
    const result = await runtime.exec(handle, ["python3", "-c", script], { timeoutMs: 60_000 });
    expect(result.stdout).toMatch(/^limited at \d+ 11$/m);
    expect(Number(/limited at (\d+)/.exec(result.stdout)?.[1])).toBeLessThan(128);
    expect((await runtime.exec(handle, ["echo", "ok"])).stdout).toBe("ok\n");
  });

  it("lists platform workspaces and deletes a user's container and volume", async () => {
    const carol = userId("delete");
    const handle = await runtime.ensureWorkspace(carol);
    expect((await runtime.listWorkspaces()).find((w) => w.userId === carol)).toMatchObject({ id: handle.id, state: "running" });
    await runtime.deleteUserWorkspace(carol);
    expect((await runtime.listWorkspaces()).some((w) => w.userId === carol)).toBe(false);
    await expect(docker.getVolume(workspaceVolumeName(carol)).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it("stops idle workspaces but not busy ones", async () => {
    let now = Date.now();
    const activity = new WorkspaceActivity(() => now);
    const sweptRuntime = new DockerWorkspaceRuntime(docker, { image, memoryMb: 512, pidsLimit: 128, activity });
    const idle = await sweptRuntime.ensureWorkspace(userId("idle"));
    const busy = await sweptRuntime.ensureWorkspace(userId("busy"));
    const release = activity.beginRun(busy.userId);
    now += 31 * 60_000;
    const swept = await sweepIdleWorkspaces({ runtime: sweptRuntime, activity, idleMs: 30 * 60_000 });
    expect(swept).toContain(idle.userId);
    expect(swept).not.toContain(busy.userId);
    expect(await sweptRuntime.isCurrent(idle)).toBe(false);
    expect(await sweptRuntime.isCurrent(busy)).toBe(true);
    release();
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

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DockerWorkspaceRuntime } from "../../server/workspaces/docker-workspace-runtime";
import { moveWorkspaceFiles } from "../../server/workspaces/workspace-merge";
import { workspaceVolumeName } from "../../server/workspaces/workspace-names";
import type { WorkspaceHandle } from "../../server/workspaces/workspace-runtime";
import { removeTestWarmPool, removeTestWorkspaces, requireWorkspaceImage } from "./support/test-workspaces";

// Real Docker engine, real workspace image, real loop devices (the test runs as root on the
// engine's host, as the platform does). Each volume is a 64 MB ext4 image in this run's own folder.
const image = process.env.WORKSPACE_IMAGE ?? "agent-platform/workspace:latest";
const docker = new Docker();
const run = randomBytes(3).toString("hex");
const prefix = `itest-disk-${run}`;
const pool = `agent-ws.pool-disk${run}`;
const userId = (name: string) => `${prefix}-${name}`;
const directory = mkdtempSync(path.join(tmpdir(), "workspace-disks-"));
const DISK_MB = 64;
const serverOf = (extra: Partial<ConstructorParameters<typeof DockerWorkspaceRuntime>[1]> = {}) =>
  new DockerWorkspaceRuntime(docker, { image, memoryMb: 256, pidsLimit: 128, disk: { sizeMb: DISK_MB, directory }, ...extra });
const runtime = serverOf();
const imageOf = (volume: string) => path.join(directory, `${volume}.img`);
const loopsOf = (file: string) => execFileSync("losetup", ["-n", "-O", "NAME", "-j", file], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
const strayLoops: string[] = [];

async function shell(runtimeToUse: DockerWorkspaceRuntime, handle: WorkspaceHandle, script: string) {
  return runtimeToUse.exec(handle, ["sh", "-c", script], { timeoutMs: 60_000 });
}

beforeAll(async () => {
  await requireWorkspaceImage(docker, image);
});

afterAll(async () => {
  await removeTestWorkspaces(docker, prefix);
  await removeTestWarmPool(docker, pool);
  // Every image this run made, and any loop device still holding one (or the stand-in file).
  for (const file of execFileSync("sh", ["-c", `ls ${directory}`], { encoding: "utf8" }).split("\n").filter((f) => f.endsWith(".img"))) {
    for (const device of loopsOf(path.join(directory, file))) execFileSync("losetup", ["-d", device]);
  }
  for (const device of strayLoops) execFileSync("losetup", ["-d", device], { stdio: "ignore" });
  rmSync(directory, { recursive: true, force: true });
});

describe("a workspace's disk quota (WORKSPACE_DISK_MB, loop-mounted ext4)", () => {
  it("stops a write past the quota with ENOSPC in that workspace only, and says so in plain words", async () => {
    const ann = userId("full");
    const bob = userId("neighbour");
    const annWorkspace = await runtime.ensureWorkspace(ann);
    const bobWorkspace = await runtime.ensureWorkspace(bob);

    const flood = await shell(runtime, annWorkspace, "dd if=/dev/zero of=/workspace/flood bs=1M count=200 2>&1; echo exit=$?");
    expect(flood.stdout).toMatch(/No space left on device/);
    expect(flood.stdout).not.toMatch(/exit=0/);
    // Written as uid 1000: what the agent and its tools run as.
    expect((await shell(runtime, annWorkspace, "stat -c %u /workspace/flood")).stdout.trim()).toBe("1000");
    const written = Number((await shell(runtime, annWorkspace, "stat -c %s /workspace/flood")).stdout.trim());
    expect(written).toBeLessThanOrEqual(DISK_MB * 1024 * 1024);
    // What the Files panel promises is what fits: ext4's own metadata is not taken from it.
    expect(written).toBeGreaterThan(DISK_MB * 1024 * 1024 * 0.95);
    // The last partial megabyte, so not one block is left.
    await shell(runtime, annWorkspace, "dd if=/dev/zero of=/workspace/crumbs bs=1k 2>/dev/null; true");

    // What the person is told when the platform itself needs room (a new agent's folder).
    await expect(runtime.ensureAgentPaths(annWorkspace, "needs-room")).rejects.toMatchObject({
      code: "workspace_full",
      message: "Your workspace is full (64 MB of 64 MB). Delete files in the Files panel to make room.",
    });
    const usage = await runtime.diskUsage(annWorkspace);
    expect(usage.totalBytes).toBeGreaterThan(50 * 1024 * 1024);
    expect(usage.totalBytes).toBeLessThanOrEqual(DISK_MB * 1024 * 1024);
    expect(usage.usedBytes).toBeGreaterThan(usage.totalBytes! * 0.95);

    // The neighbour, the host and the engine carry on.
    const neighbour = await shell(runtime, bobWorkspace, "dd if=/dev/zero of=/workspace/ok bs=1M count=10 2>&1 && echo written");
    expect(neighbour.stdout).toContain("written");
    // Deleting makes room again.
    await shell(runtime, annWorkspace, "rm /workspace/flood /workspace/crumbs");
    await expect(runtime.ensureAgentPaths(annWorkspace, "needs-room")).resolves.toMatchObject({ workdir: "/workspace/agent-needs-room" });
  });

  it("keeps each disk as a sparse 0600 image, shows no lost+found, and reports used and total", async () => {
    const carol = userId("usage");
    const handle = await runtime.ensureWorkspace(carol);
    const file = imageOf(workspaceVolumeName(carol));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Sparse: the host's disk holds what was written, not the quota.
    expect(statSync(file).blocks * 512).toBeLessThan(DISK_MB * 1024 * 1024 * 0.5);
    expect((await shell(runtime, handle, "ls -A /workspace")).stdout).not.toContain("lost+found");

    const before = await runtime.diskUsage(handle);
    await shell(runtime, handle, "dd if=/dev/urandom of=/workspace/ten bs=1M count=10 2>/dev/null && sync");
    const after = await runtime.diskUsage(handle);
    expect(after.totalBytes).toBe(before.totalBytes);
    expect(after.usedBytes - before.usedBytes).toBeGreaterThanOrEqual(9 * 1024 * 1024);
  });

  it("keeps the files when the loop device goes away (a reboot) and the server restarts, without mounting another disk", async () => {
    const dave = userId("reboot");
    const volume = workspaceVolumeName(dave);
    const first = await runtime.ensureWorkspace(dave);
    await shell(runtime, first, "echo 'still here' > /workspace/notes.txt");
    await runtime.stopWorkspace(dave);
    const [device] = loopsOf(imageOf(volume));
    expect(device).toMatch(/^\/dev\/loop\d+$/);
    expect((await docker.getVolume(volume).inspect()).Options).toMatchObject({ device });
    execFileSync("losetup", ["-d", device!]);
    // The freed device now holds someone else's disk: the old volume would mount it.
    const standIn = path.join(directory, "stand-in.disk");
    execFileSync("sh", ["-c", `truncate -s 16M ${standIn} && mkfs.ext4 -q ${standIn} && losetup ${device} ${standIn}`]);
    strayLoops.push(device!);

    const restarted = serverOf();
    await restarted.volumes.reattachAll();
    const handle = await restarted.ensureWorkspace(dave);
    expect((await shell(restarted, handle, "cat /workspace/notes.txt")).stdout).toBe("still here\n");
    const [reattached] = loopsOf(imageOf(volume));
    expect(reattached).not.toBe(device);
    expect((await docker.getVolume(volume).inspect()).Options).toMatchObject({ device: reattached });
  });

  it("starts again on an empty disk when DATA_DIR lost the image, rather than never starting", async () => {
    const frank = userId("wiped");
    const volume = workspaceVolumeName(frank);
    await runtime.ensureWorkspace(frank);
    await runtime.stopWorkspace(frank);
    for (const device of loopsOf(imageOf(volume))) execFileSync("losetup", ["-d", device]);
    rmSync(imageOf(volume));
    const handle = await runtime.ensureWorkspace(frank);
    expect((await shell(runtime, handle, "echo fresh > /workspace/a && cat /workspace/a")).stdout).toBe("fresh\n");
    expect(loopsOf(imageOf(volume))).toHaveLength(1);
  });

  it("removes the image and its loop device with the account, and a guest's files still move to their account", async () => {
    const guest = userId("guest");
    const account = userId("account");
    const guestWorkspace = await runtime.ensureWorkspace(guest);
    await shell(runtime, guestWorkspace, "mkdir -p /workspace/agent-kept && echo report > /workspace/agent-kept/report.txt");
    const guestImage = imageOf(workspaceVolumeName(guest));
    expect(loopsOf(guestImage)).toHaveLength(1);

    expect(await moveWorkspaceFiles(docker, runtime, image, guest, account)).toEqual({ moved: true });
    const accountWorkspace = await runtime.ensureWorkspace(account);
    expect((await shell(runtime, accountWorkspace, "cat /workspace/agent-kept/report.txt")).stdout).toBe("report\n");
    // The guest's disk went with the guest's workspace.
    expect(existsSync(guestImage)).toBe(false);
    expect(execFileSync("losetup", ["-a"], { encoding: "utf8" })).not.toContain(guestImage);

    const accountImage = imageOf(workspaceVolumeName(account));
    await runtime.deleteUserWorkspace(account);
    expect(existsSync(accountImage)).toBe(false);
    expect(execFileSync("losetup", ["-a"], { encoding: "utf8" })).not.toContain(accountImage);
    await expect(docker.getVolume(workspaceVolumeName(account)).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it("gives warm-pool slots their disk, which becomes the claiming person's", async () => {
    const pooled = serverOf({ warmPool: { size: 1, prefix: pool } });
    await pooled.refillWarmPool();
    expect(pooled.warmPoolReady).toBe(1);
    const erin = userId("pooled");
    const handle = await pooled.ensureWorkspace(erin);
    const storage = await pooled.workspaceStorage(erin);
    expect(storage.slot).toBeDefined();
    expect((await docker.getVolume(storage.volume).inspect()).Options).toMatchObject({ type: "ext4" });
    const flood = await shell(pooled, handle, "dd if=/dev/zero of=/workspace/flood bs=1M count=200 2>&1; true");
    expect(flood.stdout).toMatch(/No space left on device/);
    await pooled.deleteUserWorkspace(erin);
    expect(existsSync(imageOf(storage.volume))).toBe(false);
  });

  it("removes a pool slot whose disk was deleted with its server's DATA_DIR, and hands out only its own", async () => {
    const orphanPool = `${pool}-orphan`;
    const leftBehind = serverOf({ warmPool: { size: 1, prefix: orphanPool }, disk: { sizeMb: DISK_MB, directory: path.join(directory, "gone") } });
    await leftBehind.refillWarmPool();
    const [slot] = await docker.listContainers({ filters: JSON.stringify({ label: [`platform.pool=${orphanPool}`] }) });
    const slotVolume = `${slot!.Labels["platform.pool.slot"]}-data`;
    const orphanedImage = path.join(directory, "gone", `${slotVolume}.img`);
    rmSync(path.join(directory, "gone"), { recursive: true });
    expect(execFileSync("losetup", ["-a"], { encoding: "utf8" })).toContain(`${orphanedImage} (deleted)`);

    const next = serverOf({ warmPool: { size: 1, prefix: orphanPool } });
    try {
      await next.refillWarmPool();
      await expect(docker.getContainer(slot!.Id).inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect(execFileSync("losetup", ["-a"], { encoding: "utf8" })).not.toContain(orphanedImage);
      expect(next.warmPoolReady).toBe(1);
    } finally {
      await removeTestWarmPool(docker, orphanPool);
    }
  });

  it("runs Python with a read-only root: matplotlib writes a plot, nothing lands outside the volume, /tmp and HOME", async () => {
    const handle = await runtime.ensureWorkspace(userId("readonly"));
    const info = await docker.getContainer(handle.id).inspect();
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect((await shell(runtime, handle, "touch /usr/local/x 2>&1; touch /var/tmp/x 2>&1; true")).stdout).toMatch(/Read-only file system/);
    const plot = await runtime.exec(
      handle,
      ["python3", "-c", "import matplotlib.pyplot as plt; plt.plot([1,2,3]); plt.savefig('/workspace/plot.png'); print('saved')"],
      { cwd: "/workspace", timeoutMs: 120_000 },
    );
    expect(plot.stdout, plot.stderr).toContain("saved");
    const scratch = await shell(runtime, handle, "mkdir -p ~/.cache ~/.config ~/.local && touch ~/.cache/x ~/.config/y ~/.local/z /tmp/z && echo ok");
    expect(scratch.stdout, JSON.stringify(scratch)).toBe("ok\n");
  });

  it("has no quota, and says no limit, where loop devices cannot be attached", async () => {
    const noLoops = serverOf({ disk: { sizeMb: DISK_MB, directory, loopControl: "/nonexistent/loop-control" } });
    expect(await noLoops.diskLimitBytes()).toBeNull();
    const handle = await noLoops.ensureWorkspace(userId("noloops"));
    expect((await docker.getVolume(workspaceVolumeName(userId("noloops"))).inspect()).Options ?? {}).not.toHaveProperty("device");
    await shell(noLoops, handle, "echo hi > /workspace/a");
    const usage = await noLoops.diskUsage(handle);
    expect(usage.totalBytes).toBeNull();
    expect(usage.usedBytes).toBeGreaterThan(0);
  });
});

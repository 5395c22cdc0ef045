import { randomBytes } from "node:crypto";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DockerWorkspaceRuntime } from "../../server/workspaces/docker-workspace-runtime";
import { moveWorkspaceFiles } from "../../server/workspaces/workspace-merge";
import {
  KIND_LABEL,
  POOL_LABEL,
  WORKSPACE_BRIDGE_PREFIX,
  USER_LABEL,
  workspaceClaimName,
  workspaceContainerName,
  workspaceVolumeName,
} from "../../server/workspaces/workspace-names";
import type { WorkspaceHandle } from "../../server/workspaces/workspace-runtime";
import { removeTestWarmPool, removeTestWorkspaces, requireWorkspaceImage } from "./support/test-workspaces";

// Real Docker engine, real workspace image. The pool has this run's own prefix, so it never hands
// out (or removes) another test's or a server's slots, and is removed afterwards.
const image = process.env.WORKSPACE_IMAGE ?? "agent-platform/workspace:latest";
const docker = new Docker();
const run = randomBytes(3).toString("hex");
const prefix = `itest-pool-${run}`;
const pool = `agent-ws.pool-itest${run}`;
const userId = (name: string) => `${prefix}-${name}`;
const limits = { image, memoryMb: 256, pidsLimit: 128 };
const isolation = { networkIsolation: { subnetPool: "10.213.0.0/16" } };
const pooled = () => new DockerWorkspaceRuntime(docker, { ...limits, ...isolation, warmPool: { size: 2, prefix: pool } });
const runtime = pooled();

async function readySlots(): Promise<Docker.ContainerInfo[]> {
  const containers = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${POOL_LABEL}=${pool}`, `${KIND_LABEL}=workspace-pool`] }) });
  return containers.filter((c) => c.State === "running" && /^\/agent-ws\.pool-[^.]+$/.test(c.Names[0] ?? ""));
}

async function shell(handle: WorkspaceHandle, script: string): Promise<string> {
  const result = await runtime.exec(handle, ["sh", "-c", script]);
  expect(result.exitCode, result.stderr).toBe(0);
  return result.stdout.trim();
}

/** Fills the pool to its size, one slot per pass as the background filler does (each pass first takes stock on the engine). */
async function fillPool(target = runtime): Promise<void> {
  for (let pass = 0; pass === 0 || (pass < 4 && target.warmPoolReady < 2); pass += 1) await target.refillWarmPool();
}

/** A new user claims a slot and writes a file there; returns the workspace and the slot's volume. */
async function claimAndWrite(user: string, file: string, text: string): Promise<{ handle: WorkspaceHandle; volume: string }> {
  await fillPool();
  const handle = await runtime.ensureWorkspace(user);
  await shell(handle, `echo ${text} > /workspace/${file}`);
  return { handle, volume: (await docker.getContainer(handle.id).inspect()).Mounts[0]!.Name! };
}

let imageFiles = "";

beforeAll(async () => {
  await requireWorkspaceImage(docker, image);
  // What the image itself puts in /workspace: a fresh volume starts with exactly that.
  const cold = new DockerWorkspaceRuntime(docker, limits);
  const handle = await cold.ensureWorkspace(userId("baseline"));
  imageFiles = (await cold.exec(handle, ["ls", "-A", "/workspace"])).stdout.trim();
}, 60_000);

afterAll(async () => {
  await runtime.stopWarmPool();
  // Users first: their claims name the slot volumes and networks that a re-created container still uses.
  await removeTestWorkspaces(docker, prefix);
  await removeTestWarmPool(docker, pool);
  await removeTestWarmPool(docker, `${pool}b`);
}, 60_000);

describe("warm pool of workspaces for new users", () => {
  it("keeps the configured number of ready slots, refilled after a claim", async () => {
    await fillPool();
    expect(runtime.warmPoolReady).toBe(2);
    expect(await readySlots()).toHaveLength(2);

    await runtime.ensureWorkspace(userId("refill"));
    expect(runtime.warmPoolReady).toBe(1);
    await fillPool();
    expect(runtime.warmPoolReady).toBe(2);
    expect(await readySlots()).toHaveLength(2);
  }, 120_000);

  it("refills in the background only while the machine is not busy starting CLIs", async () => {
    const background = new DockerWorkspaceRuntime(docker, { ...limits, ...isolation, warmPool: { size: 1, prefix: `${pool}b` } });
    let busy = true;
    background.startWarmPool({ isBusy: () => busy, intervalMs: 100 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const slotsOfPool = async () => docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${POOL_LABEL}=${pool}b`] }) });
      expect(await slotsOfPool()).toEqual([]);
      busy = false;
      for (let waited = 0; waited < 30_000 && background.warmPoolReady < 1; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(background.warmPoolReady).toBe(1);
      expect(await slotsOfPool()).toHaveLength(1);
    } finally {
      await background.stopWarmPool();
    }
  }, 60_000);

  it("after a claim, makes no new slot while the new person's agent starts, then refills", async () => {
    const background = new DockerWorkspaceRuntime(docker, { ...limits, ...isolation, warmPool: { size: 1, prefix: `${pool}q` } });
    const quietMs = 4_000;
    background.startWarmPool({ isBusy: () => false, intervalMs: 100, afterClaimQuietMs: quietMs });
    // Unclaimed slots of this pool: being made (".warming") or ready; a claimed one carries a user's name.
    const unclaimed = async () =>
      (await docker.listContainers({ all: true, filters: JSON.stringify({ label: [`${POOL_LABEL}=${pool}q`] }) })).filter((container) =>
        container.Names.some((name) => name.startsWith(`/${pool}q`)),
      );
    try {
      for (let waited = 0; waited < 30_000 && background.warmPoolReady < 1; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(background.warmPoolReady).toBe(1);
      await background.ensureWorkspace(userId("quiet"));
      const claimedAt = performance.now();
      // Sampled through most of the quiet period: nothing is being made while the person's CLI would boot.
      while (performance.now() - claimedAt < quietMs - 1_000) {
        expect(await unclaimed()).toEqual([]);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      for (let waited = 0; waited < 40_000 && background.warmPoolReady < 1; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(background.warmPoolReady).toBe(1);
      expect(performance.now() - claimedAt).toBeGreaterThanOrEqual(quietMs);
    } finally {
      await background.stopWarmPool();
      await removeTestWarmPool(docker, `${pool}q`);
    }
  }, 90_000);

  it("gives a new user a ready slot with empty files and no one else's labels, listed under their name", async () => {
    await fillPool();
    const ann = userId("ann");
    const started = performance.now();
    const handle = await runtime.ensureWorkspace(ann);
    const ms = performance.now() - started;

    expect(handle.name).toBe(workspaceContainerName(ann));
    const info = await docker.getContainer(handle.id).inspect();
    expect(info.Config.Labels[KIND_LABEL]).toBe("workspace-pool");
    // Nobody's user label: the slot was made for no one.
    expect(info.Config.Labels[USER_LABEL]).toBeUndefined();
    expect(await shell(handle, "ls -A /workspace")).toBe(imageFiles);
    expect(await shell(handle, "id -u")).toBe("1000");
    // Its own internal network, on a bridge the egress firewall rules cover, like a user's.
    const network = await docker.getNetwork(info.HostConfig.NetworkMode!).inspect();
    expect(network.Internal).toBe(true);
    expect(network.Options?.["com.docker.network.bridge.name"]).toMatch(new RegExp(`^${WORKSPACE_BRIDGE_PREFIX}[0-9a-f]{12}$`));
    expect(Object.keys(network.Containers ?? {})).toEqual([handle.id]);
    // The claim is on record, and the listing (idle sweeper, adoption, metrics) names the user.
    const claim = await docker.getVolume(workspaceClaimName(ann)).inspect();
    expect(claim.Labels?.[USER_LABEL]).toBe(ann);
    expect((await runtime.listWorkspaces()).filter((w) => w.id === handle.id)).toEqual([
      expect.objectContaining({ userId: ann, name: workspaceContainerName(ann), state: "running" }),
    ]);
    // Generous bound for a shared 2-core machine; the bench measures the real figure.
    expect(ms).toBeLessThan(600);
  }, 120_000);

  it("never lists an unclaimed slot as anyone's workspace", async () => {
    await fillPool();
    const slotIds = new Set((await readySlots()).map((c) => c.Id));
    expect(slotIds.size).toBeGreaterThan(0);
    expect((await runtime.listWorkspaces()).filter((w) => slotIds.has(w.id))).toEqual([]);
  }, 120_000);

  it("gives two users arriving at once two different slots, each with only their own files", async () => {
    await fillPool();
    const [bob, cat] = await Promise.all([runtime.ensureWorkspace(userId("bob")), runtime.ensureWorkspace(userId("cat"))]);
    expect(bob.id).not.toBe(cat.id);
    for (const handle of [bob, cat]) {
      expect((await docker.getContainer(handle.id).inspect()).Config.Labels[KIND_LABEL]).toBe("workspace-pool");
    }
    await shell(bob, "echo bob > /workspace/mine.txt");
    expect(await shell(cat, "ls -A /workspace")).toBe(imageFiles);
    expect(await shell(bob, "cat /workspace/mine.txt")).toBe("bob");
    const bobVolume = (await docker.getContainer(bob.id).inspect()).Mounts[0]?.Name;
    const catVolume = (await docker.getContainer(cat.id).inspect()).Mounts[0]?.Name;
    expect(bobVolume).not.toBe(catVolume);
  }, 120_000);

  it("keeps an existing user on their own files instead of a slot", async () => {
    const dan = userId("dan");
    const cold = new DockerWorkspaceRuntime(docker, { ...limits, ...isolation });
    await shell(await cold.ensureWorkspace(dan), "echo dan > /workspace/notes.txt");
    await cold.removeWorkspace(dan);

    await fillPool();
    const handle = await runtime.ensureWorkspace(dan);
    const info = await docker.getContainer(handle.id).inspect();
    expect(info.Config.Labels[KIND_LABEL]).toBe("workspace");
    expect(info.Mounts[0]?.Name).toBe(workspaceVolumeName(dan));
    expect(await shell(handle, "cat /workspace/notes.txt")).toBe("dan");
    expect(runtime.warmPoolReady).toBe(2);
  }, 120_000);

  it("brings a claimed user's files back after their container is removed, also on another server", async () => {
    const eve = userId("eve");
    const { handle: first, volume: slotVolume } = await claimAndWrite(eve, "kept.txt", "eve");

    await runtime.removeWorkspace(eve);
    const again = await runtime.ensureWorkspace(eve);
    expect(again.id).not.toBe(first.id);
    expect(await shell(again, "cat /workspace/kept.txt")).toBe("eve");

    // A server that never saw the claim finds it on the engine.
    const otherServer = pooled();
    await otherServer.removeWorkspace(eve);
    const fromOther = await otherServer.ensureWorkspace(eve);
    expect((await docker.getContainer(fromOther.id).inspect()).Mounts[0]?.Name).toBe(slotVolume);
    expect((await otherServer.exec(fromOther, ["cat", "/workspace/kept.txt"])).stdout.trim()).toBe("eve");
    await expect(docker.getVolume(workspaceVolumeName(eve)).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 120_000);

  it("deletes a claimed user's slot volume, network and claim with their account", async () => {
    await fillPool();
    const fay = userId("fay");
    const handle = await runtime.ensureWorkspace(fay);
    const info = await docker.getContainer(handle.id).inspect();
    const volume = info.Mounts[0]!.Name!;
    const network = info.HostConfig.NetworkMode!;
    expect(network).toMatch(/^agent-ws\.pool-/);

    await runtime.deleteUserWorkspace(fay);
    await expect(docker.getContainer(handle.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(docker.getVolume(volume).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(docker.getNetwork(network).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(docker.getVolume(workspaceClaimName(fay)).inspect()).rejects.toMatchObject({ statusCode: 404 });

    // Afterwards they are a new person: a fresh, empty slot.
    await fillPool();
    const fresh = await runtime.ensureWorkspace(fay);
    expect((await docker.getContainer(fresh.id).inspect()).Mounts[0]?.Name).not.toBe(volume);
    expect(await shell(fresh, "ls -A /workspace")).toBe(imageFiles);
  }, 120_000);

  it("moves a guest's files into their new account when both came from the pool", async () => {
    const guest = userId("guest");
    const account = userId("account");
    const { volume: guestVolume } = await claimAndWrite(guest, "draft.txt", "draft");
    await fillPool();

    await expect(moveWorkspaceFiles(docker, runtime, image, guest, account)).resolves.toEqual({ moved: true });
    const handle = await runtime.ensureWorkspace(account);
    expect((await docker.getContainer(handle.id).inspect()).Config.Labels[KIND_LABEL]).toBe("workspace-pool");
    expect(await shell(handle, "cat /workspace/draft.txt")).toBe("draft");
    await expect(docker.getVolume(guestVolume).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 120_000);

  it("gives a fresh slot to a user whose account another server deleted", async () => {
    const hal = userId("hal");
    const { volume: firstVolume } = await claimAndWrite(hal, "old.txt", "old");
    await pooled().deleteUserWorkspace(hal);

    await fillPool();
    const again = await runtime.ensureWorkspace(hal);
    expect((await docker.getContainer(again.id).inspect()).Mounts[0]?.Name).not.toBe(firstVolume);
    expect(await shell(again, "ls -A /workspace")).toBe(imageFiles);
    await expect(docker.getVolume(firstVolume).inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 120_000);

  it("recovers a claim whose record was never written (a server stopped right after the rename)", async () => {
    await fillPool();
    const gus = userId("gus");
    const [slot] = await readySlots();
    await docker.getContainer(slot!.Id).rename({ name: workspaceContainerName(gus) });

    const otherServer = pooled();
    const handle = await otherServer.ensureWorkspace(gus);
    expect(handle.id).toBe(slot!.Id);
    const claim = await docker.getVolume(workspaceClaimName(gus)).inspect();
    expect(claim.Labels?.[USER_LABEL]).toBe(gus);
    expect((await otherServer.listWorkspaces()).find((w) => w.id === slot!.Id)?.userId).toBe(gus);
  }, 120_000);

  it("replaces slots made from another image when the pool is taken over", async () => {
    await fillPool();
    const before = new Set((await readySlots()).map((c) => c.Id));
    expect(before.size).toBe(2);
    // The same pool seen by a server on a different workspace image (the base image has `sleep` too).
    const upgraded = new DockerWorkspaceRuntime(docker, { ...limits, ...isolation, image: "agent-platform/debian-base:bookworm", warmPool: { size: 2, prefix: pool } });
    await upgraded.refillWarmPool();
    const after = await readySlots();
    expect(after.some((c) => before.has(c.Id))).toBe(false);
    expect(upgraded.warmPoolReady).toBe(after.length);
  }, 120_000);

  it("never hands a slot made on an isolated network to a server without isolation (its model would be unreachable)", async () => {
    await fillPool();
    const isolatedSlots = new Set((await readySlots()).map((c) => c.Id));
    expect(isolatedSlots.size).toBe(2);
    // Another server on this engine, same pool name, without network isolation (as the platform
    // image runs in its test): a new person there must get a workspace on its shared network.
    const open = new DockerWorkspaceRuntime(docker, { ...limits, warmPool: { size: 1, prefix: pool } });
    await open.refillWarmPool();
    const handle = await open.ensureWorkspace(userId("no-isolation"));
    const inspected = await docker.getContainer(handle.id).inspect();
    expect(isolatedSlots.has(inspected.Id)).toBe(false);
    expect(Object.keys(inspected.NetworkSettings.Networks)).toEqual(["bridge"]);
    await open.stopWarmPool();
  }, 120_000);
});

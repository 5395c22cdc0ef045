import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AppError } from "@/lib/errors";
import { connectRedis } from "@/server/cluster/redis-connection";
import { clientAddressHeader } from "@/server/limits/guest-signups";
import { createRedisConversationLimits } from "@/server/limits/redis-conversation-limits";
import { createRedisGuestSignupGate } from "@/server/limits/redis-guest-signups";
import { logger } from "@/server/logger";
import { createRedisWorkspaceActivity, type SharedWorkspaceActivity } from "@/server/workspaces/redis-workspace-activity";
import { sweepIdleWorkspaces } from "@/server/workspaces/workspace-idle-sweeper";
import type { WorkspaceRuntime } from "@/server/workspaces/workspace-runtime";
import { startRedisServer, type RedisServer } from "./support/redis-server";
import { refusalOf, refusals } from "../support/refusals";

/*
 * What several servers share through one real redis-server: each "replica" here is its own
 * connection with its own limiter or activity, as it would be in its own process.
 */

const limits = { MAX_MESSAGE_CHARS: 1_000, MESSAGES_PER_MINUTE: 20, MAX_CONCURRENT_RUNS_PER_USER: 2, MAX_RUN_MINUTES: 30 };

let redisServer: RedisServer;
const connections: Redis[] = [];
const activities: SharedWorkspaceActivity[] = [];

/** A server's connection, once it is ready (before that, each server counts on its own). */
async function replicaConnection(name: string): Promise<Redis> {
  const redis = connectRedis(redisServer.url, name);
  connections.push(redis);
  if (redis.status !== "ready") await new Promise((resolve) => redis.once("ready", resolve));
  return redis;
}

async function activityOn(name: string, options: { runMarkTtlMs?: number; refreshMs?: number } = {}): Promise<SharedWorkspaceActivity> {
  const activity = createRedisWorkspaceActivity(await replicaConnection(name), { instanceId: name, ...options });
  activities.push(activity);
  return activity;
}

/** A runtime with running workspaces, recording what the sweeper stops: the sweeper's decision is the subject here. */
function runningWorkspaces(...userIds: string[]) {
  const stopped: string[] = [];
  const runtime = {
    listWorkspaces: async () =>
      userIds.filter((userId) => !stopped.includes(userId)).map((userId) => ({ userId, id: `id-${userId}`, name: `agent-ws-${userId}`, state: "running" as const })),
    stopWorkspace: async (userId: string) => void stopped.push(userId),
    removeWorkspace: async (userId: string) => void stopped.push(userId),
  } as unknown as WorkspaceRuntime;
  return { runtime, stopped };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  redisServer = await startRedisServer();
});

afterAll(async () => {
  for (const activity of activities) activity.close();
  for (const redis of connections) redis.disconnect();
  await redisServer?.stop();
});

describe("limits shared by every server", () => {
  it("refuses a person's 21st message in a minute whichever server each one reached", async () => {
    const replicas = await Promise.all(["msg-1", "msg-2", "msg-3"].map(async (name) => createRedisConversationLimits(await replicaConnection(name), limits)));
    const before = await refusals("messages_per_minute");
    const outcomes: (AppError | undefined)[] = [];
    for (let i = 0; i < 30; i += 1) {
      outcomes.push(await replicas[i % 3]!.admitMessage("ann", `message ${i + 1}`).then(() => undefined, (error: AppError) => error));
    }
    expect(outcomes.slice(0, 20)).toEqual(Array(20).fill(undefined));
    for (const refusal of outcomes.slice(20)) {
      expect(refusal).toBeInstanceOf(AppError);
      expect(refusal!.code).toBe("rate_limited");
      expect(refusal!.message).toMatch(
        /^You've sent 20 messages in the last minute, the most allowed \(MESSAGES_PER_MINUTE\)\. Try again in (\d+ seconds|1 minute)\.$/,
      );
    }
    expect(await refusals("messages_per_minute")).toBe(before + 10);
    // The limit is the person's: someone else on the same servers is not held back.
    await expect(replicas[1]!.admitMessage("bob", "hello")).resolves.toBeUndefined();
    // The size check is unchanged.
    await expect(replicas[0]!.admitMessage("bob", "x".repeat(1_001))).rejects.toMatchObject({ code: "payload_too_large" });
  });

  it("allows a person two runs at once across servers, frees one ended on any server, and lets a forgotten hold expire", async () => {
    const [a, b, c] = await Promise.all(["runs-1", "runs-2", "runs-3"].map(async (name) => createRedisConversationLimits(await replicaConnection(name), limits)));
    await a!.beginRun("ann", "c1");
    await b!.beginRun("ann", "c2");
    // The conversation already holding a place is admitted again without taking another.
    await c!.beginRun("ann", "c1");
    const before = await refusals("concurrent_runs");
    const refusal = await refusalOf(() => c!.beginRun("ann", "c3"));
    expect(refusal.code).toBe("quota_exceeded");
    expect(refusal.message).toBe(
      "Your agents are already working in 2 conversations, the most at once (MAX_CONCURRENT_RUNS_PER_USER). Wait for one to finish or stop one, then send again.",
    );
    expect(await refusals("concurrent_runs")).toBe(before + 1);
    await expect(b!.beginRun("bob", "c4")).resolves.toBeUndefined();

    // c1 began on the first server and ends on the second (a lease recovery does that).
    await b!.endRun("ann", "c1");
    await b!.endRun("ann", "c1");
    await expect(c!.beginRun("ann", "c3")).resolves.toBeUndefined();
    await expect(a!.beginRun("ann", "c5")).rejects.toMatchObject({ code: "quota_exceeded" });

    // A server that died mid-run never ends its runs: their holds expire on their own.
    const dying = createRedisConversationLimits(await replicaConnection("runs-dying"), limits, { runHoldMs: 400 });
    await dying.beginRun("cy", "c6");
    await dying.beginRun("cy", "c7");
    await expect(a!.beginRun("cy", "c8")).rejects.toMatchObject({ code: "quota_exceeded" });
    await sleep(600);
    await expect(a!.beginRun("cy", "c8")).resolves.toBeUndefined();
    await expect(b!.beginRun("cy", "c9")).resolves.toBeUndefined();
    await expect(c!.beginRun("cy", "c10")).rejects.toMatchObject({ code: "quota_exceeded" });
  });

  it("counts guest sign-ups per address across servers", async () => {
    const gates = await Promise.all(["guest-1", "guest-2", "guest-3"].map(async (name) => createRedisGuestSignupGate(await replicaConnection(name), 5)));
    const from = (address: string) => new Headers({ [clientAddressHeader]: address });
    for (let i = 0; i < 5; i += 1) await gates[i % 3]!.admit(from("198.51.100.7"));
    for (const gate of gates) {
      await expect(gate.admit(from("198.51.100.7"))).rejects.toThrow(
        /^Too many guest sessions were started from your network in the last hour \(GUEST_SIGNUPS_PER_HOUR\)\. Try again in (60 minutes|\d+ minutes), or sign in with Google\.$/,
      );
    }
    await expect(gates[2]!.admit(from("198.51.100.8"))).resolves.toBeUndefined();
    await expect(gates[0]!.admit(new Headers())).resolves.toBeUndefined();
  });
});

describe("workspace activity shared by every server", () => {
  const idleMs = 500;
  const quick = { runMarkTtlMs: 1_000, refreshMs: 200 };

  it("keeps a workspace up while a run goes on on another server, and stops it once that run ended and it sat idle", async () => {
    const a = await activityOn("activity-a", quick);
    const b = await activityOn("activity-b", quick);
    const { runtime, stopped } = runningWorkspaces("ann");

    // What the runner calls, synchronously, on the server the run is on.
    const release = a.local.beginRun("ann");
    await vi.waitFor(async () => expect((await b.usage("ann")).busy).toBe(true), { timeout: 5_000, interval: 20 });
    // Longer than the idle period and than a run mark lives unrefreshed: the live server keeps renewing it.
    await sleep(1_500);
    expect(await b.usage("ann")).toMatchObject({ busy: true });
    expect(await sweepIdleWorkspaces({ runtime, activity: b, idleMs })).toEqual([]);

    release();
    await vi.waitFor(async () => expect((await b.usage("ann")).busy).toBe(false), { timeout: 5_000, interval: 20 });
    // Just released: used a moment ago, so not idle yet.
    expect(await sweepIdleWorkspaces({ runtime, activity: b, idleMs })).toEqual([]);
    await sleep(idleMs + 100);
    expect((await b.usage("ann")).idleForMs).toBeGreaterThanOrEqual(idleMs);
    expect(await sweepIdleWorkspaces({ runtime, activity: b, idleMs })).toEqual(["ann"]);
    expect(stopped).toEqual(["ann"]);
  });

  it("stops counting a dead server's run once its mark expires", async () => {
    const dead = await activityOn("activity-dead", quick);
    const b = await activityOn("activity-b2", quick);
    dead.local.beginRun("bob");
    await vi.waitFor(async () => expect((await b.usage("bob")).busy).toBe(true), { timeout: 5_000, interval: 20 });
    // Dead: it never renews its mark again.
    dead.close();
    const diedAt = Date.now();
    await vi.waitFor(async () => expect((await b.usage("bob")).busy).toBe(false), { timeout: 5_000, interval: 50 });
    expect(Date.now() - diedAt).toBeGreaterThanOrEqual(quick.runMarkTtlMs - quick.refreshMs - 50);
  });

  it("stops no workspace while Redis is down, and says so once", async () => {
    const c = await activityOn("activity-c", quick);
    const { runtime, stopped } = runningWorkspaces("cy");
    c.local.touch("cy");
    await sleep(idleMs + 100);
    // With Redis up this workspace is idle: the sweeper would stop it.
    expect(await c.usage("cy")).toMatchObject({ busy: false });

    // Limits keep admitting on each server alone while Redis is away, and ending a run never fails.
    const runs = createRedisConversationLimits(await replicaConnection("limits-c"), limits);
    await runs.beginRun("dee", "c20");

    const warnings = vi.spyOn(logger, "warn");
    await redisServer.kill();
    await vi.waitFor(() => expect(connections.every((redis) => redis.status !== "ready")).toBe(true), { timeout: 5_000, interval: 20 });
    expect(await sweepIdleWorkspaces({ runtime, activity: c, idleMs })).toEqual([]);
    expect(await sweepIdleWorkspaces({ runtime, activity: c, idleMs })).toEqual([]);
    expect(stopped).toEqual([]);
    const said = warnings.mock.calls.filter(([, message]) => String(message).startsWith("could not read workspace activity from Redis"));
    expect(said).toHaveLength(1);
    warnings.mockRestore();

    await expect(runs.admitMessage("dee", "still here")).resolves.toBeUndefined();
    await expect(runs.endRun("dee", "c20")).resolves.toBeUndefined();
    await expect(runs.beginRun("dee", "c21")).resolves.toBeUndefined();
  });
});

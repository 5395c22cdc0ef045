import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agentConfigOf, type Agent, type Schedule } from "@/lib/records";
import { AppError } from "@/lib/errors";
import { createSqliteStore } from "@/server/store/sqlite-store";
import type { PlatformStore } from "@/server/store/store";
import { Scheduler } from "@/server/schedules/scheduler";
import { overlapReason } from "@/server/schedules/slot-planning";

/**
 * The scheduler on a real (in-memory SQLite) store with a test clock. Runs are stand-ins: a
 * conversation and a running run record, finished by the test, so every rule (due slot, never
 * twice, never overlapping, missed while down, run now, recovery) is checked without waiting.
 */

let clock: Date;
let store: PlatformStore;
const now = () => new Date(clock);

interface StartedRun {
  agentId: string;
  scheduleId: string;
  slot: string;
  runId: string;
  conversationId: string;
}

function fakeConversations(started: StartedRun[], options: { failWith?: AppError } = {}) {
  return {
    async startScheduledRun(agent: Agent, schedule: Pick<Schedule, "id" | "prompt" | "timezone">, slot: Date) {
      if (options.failWith) throw options.failWith;
      const conversation = await store.createConversation({ agentId: agent.id, ownerId: agent.ownerId, title: "scheduled" });
      const run = await store.createRun({ conversationId: conversation.id, agentId: agent.id, ownerId: agent.ownerId, trigger: "schedule", scheduleId: schedule.id });
      started.push({ agentId: agent.id, scheduleId: schedule.id, slot: slot.toISOString(), runId: run.id, conversationId: conversation.id });
      return { runId: run.id, conversationId: conversation.id };
    },
  };
}

const startFailures: { agentId: string; reason: string }[] = [];

function scheduler(started: StartedRun[], instanceId = "server-a", options: { failWith?: AppError } = {}) {
  return new Scheduler({
    store,
    conversations: fakeConversations(started, options),
    tickSeconds: 15,
    instanceId,
    now,
    onStartFailed: (agent, _schedule, reason) => {
      startFailures.push({ agentId: agent.id, reason });
    },
  });
}

async function agentWithSchedule(overrides: Partial<Schedule> = {}): Promise<Agent> {
  const user = await store.createUser({ type: "guest" });
  const created = await store.createAgent({ ownerId: user.id, name: "Sales", model: "claude-sonnet-4-5" });
  await store.addAgentVersion({ agentId: created.id, version: 1, config: agentConfigOf(created), createdBy: user.id });
  const schedule: Schedule = { id: "daily", cron: "* * * * *", timezone: "UTC", prompt: "update the chart", enabled: true, missedRunPolicy: "skip", ...overrides };
  const agent = await store.updateAgent(created.id, { schedules: [schedule] }, 1);
  await store.addAgentVersion({ agentId: agent.id, version: agent.version, config: agentConfigOf(agent), createdBy: user.id });
  return agent;
}

async function finish(s: Scheduler, runId: string, status: "complete" | "failed" = "complete") {
  const run = await store.updateRun(runId, { status, ...(status === "failed" ? { error: { code: "internal", message: "It broke." } } : {}) });
  return s.recordRunFinished({ run, status, ...(status === "failed" ? { error: { code: "internal", message: "It broke." } } : {}) });
}

beforeEach(() => {
  clock = new Date("2025-11-25T10:00:30Z");
  store = createSqliteStore({ file: ":memory:", now });
  startFailures.length = 0;
});

afterEach(async () => {
  await store.close();
});

describe("the scheduler", () => {
  it("starts a due slot once, records the fire, and gives it the run's outcome", async () => {
    const agent = await agentWithSchedule();
    const started: StartedRun[] = [];
    const a = scheduler(started);

    clock = new Date("2025-11-25T10:01:04Z");
    expect(await a.tick()).toEqual([{ agentId: agent.id, scheduleId: "daily", slot: "2025-11-25T10:01:00.000Z", outcome: "started" }]);
    clock = new Date("2025-11-25T10:01:19Z");
    expect(await a.tick()).toEqual([]);
    expect(started).toHaveLength(1);

    const fire = await store.latestScheduleFire(agent.id, "daily");
    expect(fire).toMatchObject({ slot: "2025-11-25T10:01:00.000Z", status: "running", claimedBy: "server-a", runId: started[0]!.runId, conversationId: started[0]!.conversationId });
    expect(fire!.id).toBe(`${agent.id}_daily_${Date.parse("2025-11-25T10:01:00Z")}`);

    expect(await finish(a, started[0]!.runId)).toMatchObject({ status: "complete", finishedAt: expect.any(String) });
  });

  it("never runs a slot from before the schedule was created", async () => {
    clock = new Date("2025-11-25T10:00:40Z");
    await agentWithSchedule();
    const started: StartedRun[] = [];
    expect(await scheduler(started).tick()).toEqual([]);
    clock = new Date("2025-11-25T10:01:02Z");
    expect(await scheduler(started).tick()).toMatchObject([{ outcome: "started", slot: "2025-11-25T10:01:00.000Z" }]);
  });

  it("two servers on one store: the slot runs exactly once", async () => {
    const agent = await agentWithSchedule();
    const started: StartedRun[] = [];
    const a = scheduler(started, "server-a");
    const b = scheduler(started, "server-b");
    clock = new Date("2025-11-25T10:01:03Z");
    const [fromA, fromB] = await Promise.all([a.tick(), b.tick()]);
    expect([...fromA, ...fromB].map((action) => action.outcome).sort()).toEqual(["started", "taken"]);
    expect(started).toHaveLength(1);
    expect((await store.listScheduleFires(agent.id)).map((fire) => fire.slot)).toEqual(["2025-11-25T10:01:00.000Z"]);
  });

  it("skips a slot while the schedule's previous run is still going, and says why", async () => {
    const agent = await agentWithSchedule();
    const started: StartedRun[] = [];
    const a = scheduler(started);
    clock = new Date("2025-11-25T10:01:02Z");
    await a.tick();
    clock = new Date("2025-11-25T10:02:02Z");
    expect(await a.tick()).toMatchObject([{ outcome: "skipped", reason: overlapReason }]);
    // Another server sees the run going on in the store and skips too (the slot is taken anyway).
    clock = new Date("2025-11-25T10:03:02Z");
    expect(await scheduler(started, "server-b").tick()).toMatchObject([{ outcome: "skipped", reason: overlapReason }]);
    expect(started).toHaveLength(1);

    await finish(a, started[0]!.runId);
    clock = new Date("2025-11-25T10:04:02Z");
    expect(await a.tick()).toMatchObject([{ outcome: "started", slot: "2025-11-25T10:04:00.000Z" }]);
    const statuses = (await store.listScheduleFires(agent.id)).map((fire) => [fire.slot.slice(11, 16), fire.status]);
    expect(statuses).toEqual([
      ["10:04", "running"],
      ["10:03", "skipped"],
      ["10:02", "skipped"],
      ["10:01", "complete"],
    ]);
  });

  it("after downtime, catch_up_once runs the latest missed slot once; skip records it as skipped", async () => {
    const catchUp = await agentWithSchedule({ cron: "0 * * * *", missedRunPolicy: "catch_up_once" });
    const skip = await agentWithSchedule({ cron: "0 * * * *", missedRunPolicy: "skip" });
    const started: StartedRun[] = [];
    // The server was down from 10:00:30 until 13:20: the 11:00, 12:00 and 13:00 slots were missed.
    clock = new Date("2025-11-25T13:20:00Z");
    const a = scheduler(started);
    const actions = await a.tick();
    expect(actions).toContainEqual({ agentId: catchUp.id, scheduleId: "daily", slot: "2025-11-25T13:00:00.000Z", outcome: "started" });
    expect(actions).toContainEqual(expect.objectContaining({ agentId: skip.id, slot: "2025-11-25T13:00:00.000Z", outcome: "skipped", reason: expect.stringMatching(/No server was running/) }));
    expect(started.map((run) => run.agentId)).toEqual([catchUp.id]);
    expect(await store.listScheduleFires(catchUp.id)).toHaveLength(1);
    expect(await store.listScheduleFires(skip.id)).toMatchObject([{ status: "skipped" }]);

    // A restarted server (new scheduler, same store) does not catch up the same slot again.
    clock = new Date("2025-11-25T13:25:00Z");
    expect(await scheduler(started, "server-c").tick()).toMatchObject([{ outcome: "taken" }, { outcome: "taken" }]);
    expect(started).toHaveLength(1);
  });

  it("run now: its own fire, refused while a run is going, and no cron slot is lost to it", async () => {
    const agent = await agentWithSchedule({ cron: "0 * * * *" });
    const started: StartedRun[] = [];
    const a = scheduler(started);
    clock = new Date("2025-11-25T10:59:58Z");
    const manual = await a.runNow(agent, "daily");
    expect(manual.fireId).not.toBe(`${agent.id}_daily_${Date.parse("2025-11-25T11:00:00Z")}`);
    await expect(a.runNow(agent, "daily")).rejects.toMatchObject({ code: "conflict" });
    await expect(a.runNow(agent, "no-such-schedule")).rejects.toMatchObject({ code: "not_found" });
    await finish(a, manual.runId);

    clock = new Date("2025-11-25T11:00:05Z");
    expect(await a.tick()).toMatchObject([{ outcome: "started", slot: "2025-11-25T11:00:00.000Z" }]);
    expect(started).toHaveLength(2);
  });

  it("a run that cannot start marks its fire failed with the reason", async () => {
    const agent = await agentWithSchedule();
    const started: StartedRun[] = [];
    const a = scheduler(started, "server-a", { failWith: new AppError("rate_limited", "You have used today's run allowance.") });
    clock = new Date("2025-11-25T10:01:02Z");
    expect(await a.tick()).toMatchObject([{ outcome: "failed" }]);
    expect(await store.latestScheduleFire(agent.id, "daily")).toMatchObject({ status: "failed", reason: "You have used today's run allowance." });
    // No run means no finished-run notification: the owner is told it could not start.
    expect(startFailures).toEqual([{ agentId: agent.id, reason: "You have used today's run allowance." }]);
    // The failure does not block the schedule: the next slot runs.
    clock = new Date("2025-11-25T10:02:02Z");
    expect(await scheduler(started, "server-b").tick()).toMatchObject([{ outcome: "started" }]);
  });

  it("after a restart, a fire whose run was cut off is marked interrupted", async () => {
    const agent = await agentWithSchedule();
    const started: StartedRun[] = [];
    clock = new Date("2025-11-25T10:01:02Z");
    await scheduler(started, "server-old").tick();
    // The old process died; run recovery marked its run interrupted at start-up.
    await store.updateRun(started[0]!.runId, { status: "interrupted", error: { code: "interrupted", message: "The platform restarted." } });
    const fresh = scheduler(started, "server-new");
    expect(await fresh.recoverInterruptedFires()).toBe(1);
    expect(await store.latestScheduleFire(agent.id, "daily")).toMatchObject({ status: "interrupted", reason: "The platform restarted." });
    clock = new Date("2025-11-25T10:02:02Z");
    expect(await fresh.tick()).toMatchObject([{ outcome: "started" }]);
  });
});

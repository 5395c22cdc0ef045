import { describe, expect, it } from "vitest";
import type { AgentVersion, Schedule } from "@/lib/records";
import { previousRunAt } from "@/server/schedules/schedule-rules";
import { missedAfterMs, overlapReason, planSlot, scheduleActiveSince } from "@/server/schedules/slot-planning";
import { scheduledRunTitle } from "@/server/schedules/scheduled-run-title";

const schedule = (overrides: Partial<Schedule> = {}): Schedule => ({
  id: "s1",
  cron: "0 9 * * *",
  timezone: "Europe/Paris",
  prompt: "Pull yesterday's sales and update the chart",
  enabled: true,
  missedRunPolicy: "skip",
  ...overrides,
});

const at = (iso: string) => new Date(iso);
const grace = missedAfterMs(15);

function plan(s: Schedule, now: Date, options: { activeSince?: Date; inProgress?: boolean } = {}) {
  return planSlot({
    schedule: s,
    now,
    dueSlot: previousRunAt(s, now),
    activeSince: options.activeSince ?? at("2025-01-01T00:00:00Z"),
    graceMs: grace,
    previousRunInProgress: options.inProgress ?? false,
  });
}

describe("which slot is due", () => {
  it("runs the 09:00 Paris slot when the tick comes a few seconds after it", () => {
    // 09:00 in Paris in November is 08:00 UTC.
    expect(plan(schedule(), at("2025-11-25T08:00:07Z"))).toEqual({ action: "run", slot: at("2025-11-25T08:00:00Z"), missed: false });
  });

  it("runs an every-minute schedule for the minute that just began", () => {
    expect(plan(schedule({ cron: "* * * * *" }), at("2025-11-25T10:42:14.500Z"))).toMatchObject({ action: "run", slot: at("2025-11-25T10:42:00Z") });
  });

  it("never runs a slot from before the schedule existed (created at 13:00, the 09:00 slot is not missed)", () => {
    const s = schedule({ missedRunPolicy: "catch_up_once" });
    expect(plan(s, at("2025-11-25T13:00:20Z"), { activeSince: at("2025-11-25T12:59:50Z") })).toEqual({ action: "none" });
    // The next morning it runs as usual.
    expect(plan(s, at("2025-11-26T08:00:05Z"), { activeSince: at("2025-11-25T12:59:50Z") })).toMatchObject({ action: "run", missed: false });
  });

  it("does nothing for a schedule that is turned off", () => {
    expect(plan(schedule({ enabled: false }), at("2025-11-25T08:00:07Z"))).toEqual({ action: "none" });
  });
});

describe("runs missed while no server was up", () => {
  const downUntil = at("2025-11-28T13:00:00Z"); // three days later, in the afternoon

  it("skip: records the latest missed slot as skipped, saying why", () => {
    const result = plan(schedule({ missedRunPolicy: "skip" }), downUntil);
    expect(result).toMatchObject({ action: "skip", slot: at("2025-11-28T08:00:00Z") });
    expect(result.action === "skip" && result.reason).toMatch(/No server was running/);
  });

  it("catch_up_once: runs once, for the latest missed slot only", () => {
    expect(plan(schedule({ missedRunPolicy: "catch_up_once" }), downUntil)).toEqual({ action: "run", slot: at("2025-11-28T08:00:00Z"), missed: true });
  });

  it("a slot found within the grace window is on time, not missed", () => {
    expect(plan(schedule({ missedRunPolicy: "skip" }), at("2025-11-25T08:01:30Z"))).toMatchObject({ action: "run", missed: false });
    expect(plan(schedule({ missedRunPolicy: "skip" }), at("2025-11-25T08:02:30Z"))).toMatchObject({ action: "skip" });
  });

  it("the grace window is twice the tick, and at least two minutes", () => {
    expect(missedAfterMs(15)).toBe(120_000);
    expect(missedAfterMs(300)).toBe(600_000);
  });
});

describe("a schedule never overlaps itself", () => {
  it("skips the slot, with the reason, while its previous run is still going", () => {
    expect(plan(schedule({ cron: "* * * * *" }), at("2025-11-25T10:43:03Z"), { inProgress: true })).toEqual({
      action: "skip",
      slot: at("2025-11-25T10:43:00Z"),
      reason: overlapReason,
    });
  });

  it("a missed catch-up is skipped too when a run is still going", () => {
    expect(plan(schedule({ missedRunPolicy: "catch_up_once" }), at("2025-11-28T13:00:00Z"), { inProgress: true })).toMatchObject({ action: "skip", reason: overlapReason });
  });
});

describe("since when a schedule exists", () => {
  const version = (n: number, createdAt: string, schedules: Schedule[]): Pick<AgentVersion, "version" | "createdAt" | "config"> => ({
    version: n,
    createdAt,
    config: { name: "Sales", description: "", instructions: "", model: "claude-sonnet-4-5", schedules },
  });
  const fallback = at("2025-11-25T12:00:00Z");

  it("is the version that introduced it, not a later edit of the instructions or the prompt", () => {
    const s = schedule();
    const versions = [
      version(4, "2025-11-24T10:00:00Z", [{ ...s, prompt: "a new prompt" }]),
      version(3, "2025-11-23T10:00:00Z", [s]),
      version(2, "2025-11-22T10:00:00Z", [s]),
      version(1, "2025-11-21T10:00:00Z", []),
    ];
    expect(scheduleActiveSince(s, 4, versions, fallback)).toEqual(at("2025-11-22T10:00:00Z"));
  });

  it("restarts when its cron or time zone changes, or when it is turned back on", () => {
    const s = schedule();
    expect(scheduleActiveSince(s, 3, [version(3, "2025-11-23T10:00:00Z", [s]), version(2, "2025-11-22T10:00:00Z", [{ ...s, cron: "0 8 * * *" }])], fallback)).toEqual(
      at("2025-11-23T10:00:00Z"),
    );
    expect(scheduleActiveSince(s, 3, [version(3, "2025-11-23T10:00:00Z", [s]), version(2, "2025-11-22T10:00:00Z", [{ ...s, timezone: "UTC" }])], fallback)).toEqual(
      at("2025-11-23T10:00:00Z"),
    );
    expect(scheduleActiveSince(s, 3, [version(3, "2025-11-23T10:00:00Z", [s]), version(2, "2025-11-22T10:00:00Z", [{ ...s, enabled: false }])], fallback)).toEqual(
      at("2025-11-23T10:00:00Z"),
    );
  });

  it("uses the agent's last edit when the current version was never recorded", () => {
    expect(scheduleActiveSince(schedule(), 5, [version(4, "2025-11-23T10:00:00Z", [schedule()])], fallback)).toEqual(fallback);
    expect(scheduleActiveSince(schedule(), 1, [], fallback)).toEqual(fallback);
  });
});

describe("a scheduled run's conversation title", () => {
  it("names the prompt and the slot in the schedule's time zone", () => {
    expect(scheduledRunTitle(schedule(), at("2025-11-25T08:00:00Z"))).toBe("Pull yesterday's sales and update the c… · 25 Nov 09:00");
    expect(scheduledRunTitle(schedule({ prompt: "Daily sales update", timezone: "UTC" }), at("2025-11-25T08:00:00Z"))).toBe("Daily sales update · 25 Nov 08:00");
  });
});

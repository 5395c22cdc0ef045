import { describe, expect, it } from "vitest";
import type { AppError } from "@/lib/errors";
import {
  isKnownTimeZone,
  nextRunAt,
  nextRunTimes,
  previousRunAt,
  shortestIntervalSeconds,
  validateSchedule,
  validateSchedules,
} from "@/server/schedules/schedule-rules";

const daily9 = { cron: "0 9 * * *", timezone: "UTC" };

function issuesOf(run: () => void): { path: string; message: string }[] {
  try {
    run();
  } catch (error) {
    expect((error as AppError).code).toBe("bad_request");
    return (error as AppError).issues ?? [];
  }
  throw new Error("expected the schedule to be refused");
}

describe("when a schedule runs", () => {
  it("finds the next run strictly after a moment, in the schedule's time zone", () => {
    expect(nextRunAt(daily9, new Date("2026-01-01T08:59:30.000Z"))?.toISOString()).toBe("2026-01-01T09:00:00.000Z");
    // Exactly at a slot, the next one is the following day's.
    expect(nextRunAt(daily9, new Date("2026-01-01T09:00:00.000Z"))?.toISOString()).toBe("2026-01-02T09:00:00.000Z");
    // 9:00 in Paris is 8:00 UTC in winter and 7:00 UTC in summer.
    const paris = { cron: "0 9 * * *", timezone: "Europe/Paris" };
    expect(nextRunAt(paris, new Date("2026-01-10T00:00:00.000Z"))?.toISOString()).toBe("2026-01-10T08:00:00.000Z");
    expect(nextRunAt(paris, new Date("2026-07-10T00:00:00.000Z"))?.toISOString()).toBe("2026-07-10T07:00:00.000Z");
  });

  it("lists the next runs of a weekday schedule, skipping the weekend", () => {
    const weekdays = { cron: "30 8 * * 1-5", timezone: "America/New_York" };
    // 2026-01-02 is a Friday.
    const runs = nextRunTimes(weekdays, new Date("2026-01-02T00:00:00.000Z"), 3).map((date) => date.toISOString());
    expect(runs).toEqual(["2026-01-02T13:30:00.000Z", "2026-01-05T13:30:00.000Z", "2026-01-06T13:30:00.000Z"]);
  });

  it("finds the latest slot at or before a moment, counting one exactly then", () => {
    expect(previousRunAt(daily9, new Date("2026-01-01T09:00:00.000Z"))?.toISOString()).toBe("2026-01-01T09:00:00.000Z");
    expect(previousRunAt(daily9, new Date("2026-01-01T08:59:59.999Z"))?.toISOString()).toBe("2025-12-31T09:00:00.000Z");
    expect(previousRunAt({ cron: "* * * * *", timezone: "UTC" }, new Date("2026-01-01T10:05:42.123Z"))?.toISOString()).toBe(
      "2026-01-01T10:05:00.000Z",
    );
  });

  it("answers null rather than throwing for an expression that cannot run", () => {
    expect(nextRunAt({ cron: "not a cron", timezone: "UTC" }, new Date())).toBeNull();
    expect(previousRunAt({ cron: "0 9 * * *", timezone: "Mars/Olympus" }, new Date())).toBeNull();
  });
});

describe("shortest interval between runs", () => {
  it("measures the closest two runs, including across midnight", () => {
    expect(shortestIntervalSeconds({ cron: "* * * * *", timezone: "UTC" })).toBe(60);
    expect(shortestIntervalSeconds({ cron: "*/15 * * * *", timezone: "UTC" })).toBe(15 * 60);
    expect(shortestIntervalSeconds({ cron: "0 9 * * 1-5", timezone: "UTC" })).toBe(24 * 3_600);
    expect(shortestIntervalSeconds({ cron: "0 9,17 * * *", timezone: "UTC" })).toBe(8 * 3_600);
    // 23:59 then 00:00 the next day is one minute apart.
    expect(shortestIntervalSeconds({ cron: "0,59 0,23 * * *", timezone: "UTC" })).toBe(60);
  });
});

describe("validating schedules", () => {
  it("accepts ordinary schedules", () => {
    expect(() =>
      validateSchedules(
        [
          { cron: "0 9 * * 1-5", timezone: "Europe/Paris" },
          { id: "sch_a", cron: "*/5 * * * *", timezone: "UTC" },
          { id: "sch_b", cron: "0 0 1 * *", timezone: "Asia/Tokyo" },
        ],
        60,
      ),
    ).not.toThrow();
  });

  it("refuses a cron with the wrong number of fields, with a sentence that shows the right form", () => {
    for (const cron of ["* * * *", "0 0 9 * * *", "@daily", ""]) {
      const [issue] = issuesOf(() => validateSchedule({ cron, timezone: "UTC" }, 60));
      expect(issue?.path).toBe("cron");
      expect(issue?.message).toMatch(/5 fields: minute hour day-of-month month day-of-week/);
    }
  });

  it("refuses values out of range and dates that never come", () => {
    for (const cron of ["61 * * * *", "0 25 * * *", "0 9 30 2 *", "every day at nine am"]) {
      const [issue] = issuesOf(() => validateSchedule({ cron, timezone: "UTC" }, 60));
      expect(issue).toMatchObject({ path: "cron" });
      expect(issue?.message).toContain(cron);
    }
  });

  it("refuses an unknown time zone by name", () => {
    expect(isKnownTimeZone("Europe/Paris")).toBe(true);
    expect(isKnownTimeZone("UTC")).toBe(true);
    expect(isKnownTimeZone("Mars/Olympus")).toBe(false);
    const issues = issuesOf(() => validateSchedules([{ cron: "0 9 * * *", timezone: "Mars/Olympus" }], 60));
    expect(issues).toEqual([{ path: "schedules.0.timezone", message: expect.stringMatching(/"Mars\/Olympus" is not a time zone.*Europe\/Paris/) }]);
  });

  it("refuses a schedule that would run more often than the minimum interval", () => {
    expect(() => validateSchedule({ cron: "*/5 * * * *", timezone: "UTC" }, 300)).not.toThrow();
    const issues = issuesOf(() => validateSchedules([daily9, { cron: "*/2 * * * *", timezone: "UTC" }], 300));
    expect(issues).toEqual([{ path: "schedules.1.cron", message: "would run every 2 minutes; schedules may run at most once every 5 minutes." }]);
  });

  it("refuses two schedules with one id", () => {
    const issues = issuesOf(() => validateSchedules([{ id: "sch_x", ...daily9 }, { id: "sch_x", ...daily9 }], 60));
    expect(issues).toEqual([{ path: "schedules.1.id", message: "is used by another schedule of this agent" }]);
  });
});

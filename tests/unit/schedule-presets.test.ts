import { describe, expect, it } from "vitest";
import { cronProblem, cronToPreset, describeCron, parseClock, presetToCron, type SchedulePreset } from "@/lib/schedule-presets";

describe("schedule presets", () => {
  it("turn each friendly choice into the cron the server runs", () => {
    expect(presetToCron({ kind: "minutes", every: 1 })).toBe("* * * * *");
    expect(presetToCron({ kind: "minutes", every: 15 })).toBe("*/15 * * * *");
    expect(presetToCron({ kind: "hours", every: 3, minute: 30 })).toBe("30 */3 * * *");
    expect(presetToCron({ kind: "hourly", minute: 15 })).toBe("15 * * * *");
    expect(presetToCron({ kind: "daily", hour: 7, minute: 30 })).toBe("30 7 * * *");
    expect(presetToCron({ kind: "weekdays", hour: 9, minute: 0 })).toBe("0 9 * * 1-5");
    expect(presetToCron({ kind: "weekly", weekday: 1, hour: 18, minute: 5 })).toBe("5 18 * * 1");
    expect(presetToCron({ kind: "custom", cron: "  */5   * * * * " })).toBe("*/5 * * * *");
  });

  it("reopen a saved cron on the friendly choice it came from", () => {
    const presets: SchedulePreset[] = [
      { kind: "minutes", every: 1 },
      { kind: "minutes", every: 10 },
      { kind: "hours", every: 2, minute: 0 },
      { kind: "hours", every: 6, minute: 15 },
      { kind: "hourly", minute: 0 },
      { kind: "daily", hour: 23, minute: 59 },
      { kind: "weekdays", hour: 9, minute: 0 },
      { kind: "weekly", weekday: 0, hour: 8, minute: 45 },
      { kind: "weekly", weekday: 6, hour: 12, minute: 0 },
    ];
    for (const preset of presets) expect(cronToPreset(presetToCron(preset))).toEqual(preset);
    expect(cronToPreset("0 9 * * 7")).toEqual({ kind: "weekly", weekday: 0, hour: 9, minute: 0 });
    expect(cronToPreset("0 9 * * MON")).toEqual({ kind: "weekly", weekday: 1, hour: 9, minute: 0 });
  });

  it("keep anything else as a custom cron", () => {
    for (const cron of ["*/90 * * * *", "*/15 9 * * *", "0 */3 * * 1-5", "0 9 1 * *", "0 9,17 * * *", "0 9 * * 1,3", "0 9 * 6 *", "nonsense"]) {
      expect(cronToPreset(cron)).toEqual({ kind: "custom", cron });
    }
  });
});

describe("a cron described in words", () => {
  it("reads the presets back naturally, with the time zone", () => {
    expect(describeCron("0 9 * * 1-5", "Europe/Berlin")).toBe("Every weekday at 09:00 (Europe/Berlin)");
    expect(describeCron("30 7 * * *")).toBe("Every day at 07:30");
    expect(describeCron("15 * * * *")).toBe("Every hour at :15");
    expect(describeCron("5 18 * * 1")).toBe("Every Monday at 18:05");
    expect(describeCron("0 8 * * 0")).toBe("Every Sunday at 08:00");
    expect(describeCron("0 8 * * 7")).toBe("Every Sunday at 08:00");
  });

  it("says common custom crons in words", () => {
    expect(describeCron("* * * * *", "UTC")).toBe("Every minute (UTC)");
    expect(describeCron("*/15 * * * *")).toBe("Every 15 minutes");
    expect(describeCron("*/10 * * * 1-5")).toBe("Every 10 minutes, every weekday");
    expect(describeCron("0 */2 * * *")).toBe("Every 2 hours at :00");
    expect(describeCron("0 9,17 * * *")).toBe("Every day at 09:00 and 17:00");
    expect(describeCron("0 9 * * mon,wed,fri")).toBe("Every Monday, Wednesday and Friday at 09:00");
    expect(describeCron("0 10 * * 6,0")).toBe("Every Saturday and Sunday at 10:00");
    expect(describeCron("0 6 1 * *")).toBe("On day 1 of every month at 06:00");
    expect(describeCron("0 6 1,15 * *")).toBe("On day 1 and 15 of every month at 06:00");
    expect(describeCron("0 6 1 1 *")).toBe("On day 1 in January at 06:00");
  });

  it("shows the expression itself when it is too unusual to say", () => {
    expect(describeCron("*/5 9-17 * * 1-5")).toBe("Custom schedule “*/5 9-17 * * 1-5”");
    expect(describeCron("0 9 1 * 1")).toBe("Custom schedule “0 9 1 * 1”");
    expect(describeCron("every morning")).toBe("Custom schedule “every morning”");
  });
});

describe("a custom cron's problems", () => {
  it("accepts the usual forms", () => {
    for (const cron of ["* * * * *", "*/5 * * * *", "0 9 * * 1-5", "0 0 1,15 * *", "0 12 * jan-mar mon", "0 0 * * 7", "10-50/10 * * * *"]) {
      expect(cronProblem(cron)).toBeNull();
    }
  });

  it("explains what is wrong", () => {
    expect(cronProblem("* * * *")).toMatch(/five fields/);
    expect(cronProblem("0 9 * * * *")).toMatch(/five fields/);
    expect(cronProblem("60 * * * *")).toMatch(/minute field “60”/);
    expect(cronProblem("0 24 * * *")).toMatch(/hour field/);
    expect(cronProblem("0 0 0 * *")).toMatch(/day of month field/);
    expect(cronProblem("0 0 * 13 *")).toMatch(/month field/);
    expect(cronProblem("0 0 * * 8")).toMatch(/day of week field/);
    expect(cronProblem("*/0 * * * *")).toMatch(/minute field/);
    expect(cronProblem("5-1 * * * *")).toMatch(/minute field/);
  });
});

describe("a time of day typed by a person", () => {
  it("parses HH:MM and refuses anything else", () => {
    expect(parseClock("09:30")).toEqual({ hour: 9, minute: 30 });
    expect(parseClock("7:05")).toEqual({ hour: 7, minute: 5 });
    expect(parseClock("24:00")).toBeNull();
    expect(parseClock("9am")).toBeNull();
  });
});

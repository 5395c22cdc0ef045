import { describe, expect, it } from "vitest";
import { diffAgentVersions, hasChanges } from "@/lib/agent-version-diff";
import type { AgentConfig, Schedule } from "@/lib/records";

const morningReport: Schedule = {
  id: "sched-morning",
  cron: "0 9 * * 1-5",
  timezone: "Europe/Berlin",
  prompt: "Update the sales chart",
  enabled: true,
  missedRunPolicy: "skip",
};

const base: AgentConfig = {
  name: "Sales analyst",
  description: "Looks at the numbers",
  instructions: "You are a careful analyst.\nAlways cite the file you used.",
  model: "claude-sonnet-4-5",
  schedules: [morningReport],
};

describe("the changes between two versions of an agent", () => {
  it("are none when nothing changed", () => {
    const diff = diffAgentVersions(base, { ...base, schedules: [{ ...morningReport }] });
    expect(hasChanges(diff)).toBe(false);
    expect(diff.instructions).toBeNull();
  });

  it("list the name, model and description that changed, before and after", () => {
    const diff = diffAgentVersions(base, { ...base, name: "Sales analyst (EU)", model: "claude-opus-4-1" });
    expect(diff.fields).toEqual([
      { field: "name", label: "Name", before: "Sales analyst", after: "Sales analyst (EU)" },
      { field: "model", label: "Model", before: "Claude Sonnet 4.5", after: "Claude Opus 4.1" },
    ]);
    expect(diff.instructions).toBeNull();
  });

  it("show the instructions line by line: kept, removed and added", () => {
    const diff = diffAgentVersions(base, { ...base, instructions: "You are a careful analyst.\nAnswer in German.\nAlways cite the file you used." });
    expect(diff.instructions).toEqual([
      { change: "same", text: "You are a careful analyst." },
      { change: "added", text: "Answer in German." },
      { change: "same", text: "Always cite the file you used." },
    ]);

    const replaced = diffAgentVersions(base, { ...base, instructions: "You are a careful analyst.\nNever cite files." });
    expect(replaced.instructions).toEqual([
      { change: "same", text: "You are a careful analyst." },
      { change: "removed", text: "Always cite the file you used." },
      { change: "added", text: "Never cite files." },
    ]);
  });

  it("do not mark the last line changed only because a newline was added after it", () => {
    const diff = diffAgentVersions({ ...base, instructions: "one" }, { ...base, instructions: "one\ntwo" });
    expect(diff.instructions).toEqual([
      { change: "same", text: "one" },
      { change: "added", text: "two" },
    ]);
  });

  it("name schedules added, removed and changed, matched by id", () => {
    const weekly: Schedule = { ...morningReport, id: "sched-weekly", cron: "0 8 * * 1", prompt: "Weekly summary" };
    const nightly: Schedule = { ...morningReport, id: "sched-nightly", cron: "0 2 * * *", prompt: "Clean up" };
    const diff = diffAgentVersions(
      { ...base, schedules: [morningReport, weekly] },
      {
        ...base,
        schedules: [{ ...morningReport, cron: "30 9 * * 1-5", enabled: false, missedRunPolicy: "catch_up_once", webhookUrl: "https://example.com/hook" }, nightly],
      },
    );
    expect(diff.schedules.added.map((schedule) => schedule.id)).toEqual(["sched-nightly"]);
    expect(diff.schedules.removed.map((schedule) => schedule.id)).toEqual(["sched-weekly"]);
    expect(diff.schedules.changed).toHaveLength(1);
    expect(diff.schedules.changed[0]?.changes).toEqual([
      "When: Every weekday at 09:00 (Europe/Berlin) → Every weekday at 09:30 (Europe/Berlin)",
      "Turned off",
      "Missed runs: now caught up once",
      "Webhook added: https://example.com/hook",
    ]);
    expect(hasChanges(diff)).toBe(true);
  });

  it("treat a version saved before schedules existed as having none", () => {
    const older = { ...base, schedules: undefined } as unknown as AgentConfig;
    const diff = diffAgentVersions(older, base);
    expect(diff.schedules.added).toEqual([morningReport]);
    expect(diff.schedules.removed).toEqual([]);
  });
});

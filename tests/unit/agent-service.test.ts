import { describe, expect, it } from "vitest";
import { copyName, deriveAgentStatus, distinctName, matchesAgentQuery } from "@/server/agents/agent-service";

const at = (minute: number) => `2025-01-01T10:${String(minute).padStart(2, "0")}:00.000Z`;

describe("an agent's status on its card", () => {
  it("is idle without conversations", () => {
    expect(deriveAgentStatus([])).toBe("idle");
  });

  it("is running while any conversation runs, even when a newer one failed", () => {
    expect(
      deriveAgentStatus([
        { status: "error", updatedAt: at(5) },
        { status: "running", updatedAt: at(1) },
      ]),
    ).toBe("running");
  });

  it("is error when the most recent conversation ended in an error, whatever the list order", () => {
    expect(
      deriveAgentStatus([
        { status: "idle", updatedAt: at(1) },
        { status: "error", updatedAt: at(9) },
      ]),
    ).toBe("error");
  });

  it("is idle again once a newer conversation succeeded after an error", () => {
    expect(
      deriveAgentStatus([
        { status: "error", updatedAt: at(1) },
        { status: "idle", updatedAt: at(2) },
      ]),
    ).toBe("idle");
  });
});

describe("searching agents", () => {
  const agent = { name: "Résumé helper", description: "Rewrites CVs for marketing jobs" };

  it("matches everything for an empty or blank query", () => {
    expect(matchesAgentQuery(agent, undefined)).toBe(true);
    expect(matchesAgentQuery(agent, "   ")).toBe(true);
  });

  it("matches words in the name or the description, ignoring case and accents", () => {
    expect(matchesAgentQuery(agent, "resume")).toBe(true);
    expect(matchesAgentQuery(agent, "MARKETING")).toBe(true);
    expect(matchesAgentQuery(agent, "cv")).toBe(true);
  });

  it("needs every word to match, in any order", () => {
    expect(matchesAgentQuery(agent, "marketing résumé")).toBe(true);
    expect(matchesAgentQuery(agent, "marketing spreadsheet")).toBe(false);
  });
});

describe("naming an agent made from a template", () => {
  it("keeps the template's name, or numbers it when the person already has one", () => {
    expect(distinctName("Python tutor", new Set(["Chart maker"]))).toBe("Python tutor");
    expect(distinctName("Python tutor", new Set(["Python tutor"]))).toBe("Python tutor 2");
    expect(distinctName("Python tutor", new Set(["Python tutor", "Python tutor 2"]))).toBe("Python tutor 3");
    expect(distinctName("x".repeat(100), new Set(["x".repeat(100)]))).toHaveLength(100);
  });
});

describe("naming a duplicate", () => {
  it("adds (copy) to the name", () => {
    expect(copyName("Chart maker")).toBe("Chart maker (copy)");
  });

  it("stays within the 100-character name limit", () => {
    const copy = copyName("x".repeat(100));
    expect(copy.length).toBeLessThanOrEqual(100);
    expect(copy.endsWith("… (copy)")).toBe(true);
  });
});

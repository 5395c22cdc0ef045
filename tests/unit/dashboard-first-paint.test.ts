import { describe, expect, it } from "vitest";
import type { AgentSummary } from "@/lib/agent-api";
import { agentTemplates } from "@/lib/agent-templates";
import { createAgentsStore } from "@/stores/agents-store";

function agent(id: string, lastActivityAt: string): AgentSummary {
  return { id, name: id, lastActivityAt } as AgentSummary;
}

describe("the dashboard's first paint", () => {
  it("starts with the agents the server read, most recently active first, and nothing left to load", () => {
    const store = createAgentsStore({
      agents: [agent("older", "2026-01-01T00:00:00.000Z"), agent("newer", "2026-02-01T00:00:00.000Z")],
      templates: [...agentTemplates],
      defaultModel: "claude-test",
    });
    const state = store.getState();
    expect(state.listStatus).toBe("ready");
    expect(state.agents.map((each) => each.id)).toEqual(["newer", "older"]);
    expect(state.templatesStatus).toBe("ready");
    expect(state.defaultModel).toBe("claude-test");
  });

  it("without them, starts empty and waits to load, as before", () => {
    const state = createAgentsStore().getState();
    expect(state.listStatus).toBe("idle");
    expect(state.agents).toEqual([]);
    expect(state.templatesStatus).toBe("idle");
  });
});

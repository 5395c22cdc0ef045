import { describe, expect, it } from "vitest";

import { AppError } from "../../lib/errors";
import {
  agentPaths,
  isValidAgentId,
  toSafeUserId,
  workspaceContainerName,
  workspaceLabels,
  workspaceVolumeName,
} from "../../server/workspaces/workspace-names";

const dockerName = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

describe("workspace names", () => {
  it("uses a simple user id as it is", () => {
    expect(workspaceContainerName("user-42")).toBe("agent-ws-user-42");
    expect(workspaceVolumeName("user-42")).toBe("agent-ws-user-42-data");
  });

  it("turns any user id into a valid, deterministic Docker name", () => {
    for (const userId of ["Ann.Smith@example.com", "ünïcödé", "../../etc", "a b", "x".repeat(300), "_x"]) {
      const name = workspaceContainerName(userId);
      expect(name).toMatch(dockerName);
      expect(name.length).toBeLessThanOrEqual(80);
      expect(workspaceContainerName(userId)).toBe(name);
    }
  });

  it("never maps two user ids onto one workspace", () => {
    const ids = ["Ann", "ann", "a@b", "a-b", "a.b", "A@B"];
    expect(new Set(ids.map(toSafeUserId)).size).toBe(ids.length);
  });

  it("refuses an empty user id", () => {
    expect(() => toSafeUserId("")).toThrow(AppError);
  });

  it("labels resources so a restarted server finds them", () => {
    expect(workspaceLabels("Ann@x", "workspace")).toEqual({ platform: "agent-platform", "platform.user": "Ann@x", "platform.kind": "workspace" });
  });
});

describe("agent paths", () => {
  it("gives each agent its own folder and Claude config directory on the volume", () => {
    expect(agentPaths("a1")).toEqual({ workdir: "/workspace/agent-a1", claudeConfigDir: "/workspace/.claude-agents/a1" });
  });

  it("accepts only a conservative alphabet", () => {
    expect(isValidAgentId("Agent_1-x")).toBe(true);
    for (const bad of ["", "../x", "a/b", "a b", "a.b", "x".repeat(65), "a\n"]) {
      expect(isValidAgentId(bad)).toBe(false);
      expect(() => agentPaths(bad)).toThrow(expect.objectContaining({ code: "bad_request" }));
    }
  });
});

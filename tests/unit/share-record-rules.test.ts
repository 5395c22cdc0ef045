import { describe, expect, it } from "vitest";
import { applyAgentPatch, buildAgent } from "../../server/store/record-rules";

const at = (iso: string) => new Date(iso);
const day = (n: number) => at(`2026-01-0${n}T00:00:00Z`);

describe("the shared conversation of an agent", () => {
  const agent = buildAgent({ ownerId: "u1", name: "Helper", model: "m", visibility: "link" }, day(1));

  it("is set by a patch, kept when the patch leaves it out, and cleared by null", () => {
    const chosen = applyAgentPatch(agent, { sharedConversationId: "c1" }, 1, day(2));
    expect(chosen).toMatchObject({ sharedConversationId: "c1", version: 2, shareToken: agent.shareToken });

    const renamed = applyAgentPatch(chosen, { name: "Renamed" }, 2, day(3));
    expect(renamed.sharedConversationId).toBe("c1");

    const cleared = applyAgentPatch(renamed, { sharedConversationId: null }, 3, day(4));
    expect(cleared.sharedConversationId).toBeUndefined();
    expect("sharedConversationId" in cleared).toBe(false);
    expect(cleared.version).toBe(4);
  });

  it("makes no new version when the choice stays the same", () => {
    const chosen = applyAgentPatch(agent, { sharedConversationId: "c1" }, 1, day(2));
    expect(applyAgentPatch(chosen, { sharedConversationId: "c1" }, 2, day(3))).toBe(chosen);
    expect(applyAgentPatch(agent, { sharedConversationId: null }, 1, day(2))).toBe(agent);
  });

  it("goes with the link when the agent becomes private, even if the same patch names one", () => {
    const chosen = applyAgentPatch(agent, { sharedConversationId: "c1" }, 1, day(2));
    const revoked = applyAgentPatch(chosen, { visibility: "private", sharedConversationId: "c2" }, 2, day(3));
    expect(revoked.shareToken).toBeUndefined();
    expect(revoked.sharedConversationId).toBeUndefined();
  });

  it("must be a record id", () => {
    expect(() => applyAgentPatch(agent, { sharedConversationId: "../c1" }, 1, day(2))).toThrow(/sharedConversationId/);
  });
});

import { describe, expect, it } from "vitest";
import { AppError } from "../../lib/errors";
import { applyAgentPatch, applyRunPatch, buildAgent, buildRun, newId, parseInput } from "../../server/store/record-rules";
import { newAgentSchema } from "../../lib/records";

const at = (iso: string) => new Date(iso);

describe("record rules shared by the store adapters", () => {
  it("makes unguessable URL-safe ids", () => {
    const ids = new Set(Array.from({ length: 1_000 }, newId));
    expect(ids.size).toBe(1_000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it("turns a zod failure into bad_request with field issues", () => {
    try {
      parseInput(newAgentSchema, { ownerId: "u1", name: " ", model: "m" }, "agent");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe("bad_request");
      expect((error as AppError).issues).toEqual([{ path: "name", message: "must not be empty" }]);
    }
  });

  it("treats an undefined patch field as not given", () => {
    const agent = buildAgent({ ownerId: "u1", name: "Helper", model: "m" }, at("2026-01-01T00:00:00Z"));
    const next = applyAgentPatch(agent, { name: undefined, description: "Helps" }, 1, at("2026-01-02T00:00:00Z"));
    expect(next).toMatchObject({ name: "Helper", description: "Helps", version: 2, updatedAt: "2026-01-02T00:00:00.000Z" });
  });

  it("fills in when a run finished and how long it took", () => {
    const run = buildRun({ conversationId: "c1", agentId: "a1", ownerId: "u1", trigger: "chat" }, at("2026-01-01T00:00:00Z"));
    expect(applyRunPatch(run, { status: "interrupted" }, at("2026-01-01T00:00:02.500Z"))).toMatchObject({
      finishedAt: "2026-01-01T00:00:02.500Z",
      durationMs: 2_500,
    });
    // A still-running update (e.g. a cost so far) does not finish it.
    expect(applyRunPatch(run, { costUsd: 0.01 }, at("2026-01-01T00:00:01Z")).finishedAt).toBeUndefined();
  });
});

describe("guest user ids", () => {
  it("keep the original guest-YYYYMMDD- form and differ every time", async () => {
    const { buildUser } = await import("../../server/store/record-rules");
    const now = new Date("2026-11-25T10:00:00Z");
    const first = buildUser({ type: "guest" }, now);
    const second = buildUser({ type: "guest" }, now);
    expect(first.id).toMatch(/^guest-20261125-[A-Za-z0-9_-]{12}$/);
    expect(second.id).not.toBe(first.id);
    expect(buildUser({ type: "google", email: "ada@example.com" }, now).id).not.toMatch(/^guest-/);
  });
});

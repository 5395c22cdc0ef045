import { describe, expect, it } from "vitest";

import { httpStatusOf } from "../../lib/errors";
import type { Agent } from "../../lib/records";
import { assertAgentQuota, assertMessageSize, createConversationLimits } from "../../server/limits/usage-quotas";
import { refusalOf, refusals } from "../support/refusals";

const limits = { MAX_MESSAGE_CHARS: 50, MESSAGES_PER_MINUTE: 2, MAX_CONCURRENT_RUNS_PER_USER: 2 };

describe("per-user quotas", () => {
  it("refuses a message over the configured size, naming the size, the limit and its setting", async () => {
    expect(() => assertMessageSize("x".repeat(50), 50)).not.toThrow();
    const before = await refusals("message_size");
    const error = await refusalOf(() => assertMessageSize("x".repeat(1_200), 1_000));
    expect(error.code).toBe("payload_too_large");
    expect(error.message).toContain("1,200 characters");
    expect(error.message).toContain("1,000 (MAX_MESSAGE_CHARS)");
    expect(await refusals("message_size")).toBe(before + 1);
  });

  it("refuses the third message in a minute with rate_limited (429) and when to try again", async () => {
    let now = 0;
    const conversationLimits = createConversationLimits(limits, () => now);
    await conversationLimits.admitMessage("ann", "hello");
    now = 15_000;
    await conversationLimits.admitMessage("ann", "again");
    now = 20_000;
    const error = await refusalOf(() => conversationLimits.admitMessage("ann", "third"));
    expect(error.code).toBe("rate_limited");
    expect(httpStatusOf(error.code)).toBe(429);
    expect(error.message).toContain("Try again in 40 seconds");
    await expect(conversationLimits.admitMessage("bob", "someone else")).resolves.toBeUndefined();
    now = 60_001;
    await expect(conversationLimits.admitMessage("ann", "later")).resolves.toBeUndefined();
  });

  it("allows a user only so many runs at once, across their conversations, and frees one when it ends", async () => {
    const conversationLimits = createConversationLimits(limits);
    await conversationLimits.beginRun("ann", "c1");
    await conversationLimits.beginRun("ann", "c2");
    await conversationLimits.beginRun("bob", "c3");
    const error = await refusalOf(() => conversationLimits.beginRun("ann", "c4"));
    expect(error.code).toBe("quota_exceeded");
    expect(httpStatusOf(error.code)).toBe(429);
    expect(error.message).toContain("already working in 2 conversations, the most at once (MAX_CONCURRENT_RUNS_PER_USER)");
    await conversationLimits.endRun("ann", "c1");
    await conversationLimits.endRun("ann", "c1");
    await expect(conversationLimits.beginRun("ann", "c4")).resolves.toBeUndefined();
    // c4 took the freed place (ending c1 twice freed one, not two): the next one is refused again.
    expect(await refusalOf(() => conversationLimits.beginRun("ann", "c5"))).toMatchObject({
      code: "quota_exceeded",
      message: expect.stringMatching(/already working in 2 conversations.*Wait for one to finish or stop one/),
    });
  });

  it("refuses a new agent once the person owns the most allowed", async () => {
    const owned: Pick<Agent, "id">[] = [{ id: "a1" }, { id: "a2" }];
    const store = { listAgentsByOwner: async (_userId: string, options?: { limit?: number }) => owned.slice(0, options?.limit) as Agent[] };
    await expect(assertAgentQuota(store, "ann", 3)).resolves.toBeUndefined();
    owned.push({ id: "a3" });
    const refusal = assertAgentQuota(store, "ann", 3);
    await expect(refusal).rejects.toMatchObject({ code: "quota_exceeded" });
    await expect(refusal).rejects.toThrow(/You have 3 agents.*Delete one/);
  });
});

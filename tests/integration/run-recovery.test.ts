import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { recoverInterruptedRuns } from "../../server/conversations/run-recovery";
import { createSqliteStore } from "../../server/store/sqlite-store";

const dir = mkdtempSync(path.join(tmpdir(), "recovery-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("recovering from a crash mid-reply", () => {
  it("keeps the partial reply, marks it and its run interrupted, and frees the conversation — without duplicates", async () => {
    const file = path.join(dir, "platform.sqlite");
    const before = createSqliteStore({ file });
    const user = await before.createUser({ type: "guest" });
    const agent = await before.createAgent({ ownerId: user.id, name: "Analyst", model: "claude-sonnet-4-5" });
    const conversation = await before.createConversation({ agentId: agent.id, ownerId: user.id });
    await before.appendMessage({ conversationId: conversation.id, role: "user", content: [{ type: "text", text: "analyse sales.csv" }], clientMessageId: "c1" });
    const run = await before.createRun({ conversationId: conversation.id, agentId: agent.id, ownerId: user.id, trigger: "chat" });
    const { message: reply } = await before.appendMessage({ conversationId: conversation.id, role: "assistant", content: [], status: "streaming" });
    await before.updateMessage(reply.id, { content: [{ type: "text", text: "Loading the file" }, { type: "tool_use", id: "t1", name: "Bash", input: { command: "python3 a.py" } }] });
    await before.updateConversation(conversation.id, { status: "running" });
    // The process dies here: nothing else is written. A new process opens the same database.
    await before.close();

    const after = createSqliteStore({ file });
    expect(await recoverInterruptedRuns(after)).toEqual({ runs: 1, messages: 1, ownerIds: [user.id] });

    const messages = await after.listMessages(conversation.id);
    expect(messages.map((message) => [message.role, message.status])).toEqual([
      ["user", "complete"],
      ["assistant", "interrupted"],
    ]);
    expect(messages[1]!.content).toEqual([
      { type: "text", text: "Loading the file" },
      { type: "tool_use", id: "t1", name: "Bash", input: { command: "python3 a.py" } },
    ]);
    expect(await after.getRun(run.id)).toMatchObject({ status: "interrupted", error: { code: "interrupted" } });
    expect((await after.getConversation(conversation.id)).status).toBe("idle");

    // A second start finds nothing left to do.
    expect(await recoverInterruptedRuns(after)).toEqual({ runs: 0, messages: 0, ownerIds: [] });
    expect(await after.listMessages(conversation.id)).toHaveLength(2);
    await after.close();
  });
});

describe("recovery with several servers (run leases)", () => {
  it("leaves a run whose server still renews its lease alone, recovers it once the lease lapsed, and a server's own earlier runs at once", async () => {
    const store = createSqliteStore({ file: path.join(dir, "leases.sqlite") });
    const user = await store.createUser({ type: "guest" });
    const agent = await store.createAgent({ ownerId: user.id, name: "Analyst", model: "claude-sonnet-4-5" });
    const start = async (instanceId: string, leaseExpiresAt: Date) => {
      const conversation = await store.createConversation({ agentId: agent.id, ownerId: user.id });
      const run = await store.createRun({ conversationId: conversation.id, agentId: agent.id, ownerId: user.id, trigger: "chat", instanceId, leaseExpiresAt: leaseExpiresAt.toISOString() });
      await store.appendMessage({ conversationId: conversation.id, role: "assistant", content: [], status: "streaming" });
      await store.updateConversation(conversation.id, { status: "running" });
      return run;
    };
    const now = Date.now();
    const live = await start("replica-2", new Date(now + 30_000));
    const lapsed = await start("replica-3", new Date(now - 1_000));
    const mine = await start("replica-1", new Date(now + 30_000));

    const recovered: string[] = [];
    // replica-1 starting up: its own earlier run and replica-3's lapsed one; replica-2's is live.
    const result = await recoverInterruptedRuns(store, { instanceId: "replica-1", onRecovered: async (run) => void recovered.push(run.id) });
    expect(result).toEqual({ runs: 2, messages: 2, ownerIds: [] });
    expect(recovered.sort()).toEqual([lapsed.id, mine.id].sort());
    expect(await store.getRun(live.id)).toMatchObject({ status: "running", instanceId: "replica-2" });
    expect(await store.getRun(lapsed.id)).toMatchObject({ status: "interrupted", error: { code: "interrupted" } });

    // The periodic sweep of a live server never takes its own runs, even with a lapsed lease.
    const ownLive = await start("replica-1", new Date(now - 1_000));
    const sweep = await recoverInterruptedRuns(store, { instanceId: "replica-1", includeOwnEarlierRuns: false, isRunningHere: (run) => run.id === ownLive.id });
    expect(sweep.runs).toBe(0);

    // Once replica-2 stops renewing, the next sweep anywhere recovers its run, exactly once.
    const later = now + 31_000;
    let claims = 0;
    const claimOnce = async () => ++claims === 1;
    const [first, second] = await Promise.all([
      recoverInterruptedRuns(store, { instanceId: "replica-1", includeOwnEarlierRuns: false, isRunningHere: (run) => run.id === ownLive.id, now: () => later, claim: claimOnce }),
      recoverInterruptedRuns(store, { instanceId: "replica-3", includeOwnEarlierRuns: false, now: () => later, claim: async () => false }),
    ]);
    expect(first.runs + second.runs).toBe(1);
    expect(await store.getRun(live.id)).toMatchObject({ status: "interrupted" });
    expect(await store.getRun(ownLive.id)).toMatchObject({ status: "running" });
    await store.close();
  });
});

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

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentEvent } from "@/lib/agent-events";
import type { TurnOutcome } from "@/server/claude/claude-runner";
import { ConversationService, type AgentTurnRunner } from "@/server/conversations/conversation-service";
import { createInMemoryRunEventLog } from "@/server/conversations/run-event-log";
import { createConversationLimits } from "@/server/limits/usage-quotas";
import { createSqliteStore } from "@/server/store/sqlite-store";
import type { PlatformStore } from "@/server/store/store";

/*
 * Runs at once per person, through ConversationService on a real SQLite store. The runner is a
 * stand-in that holds each turn until released: what is checked happens before any turn starts.
 */

const held = new Map<string, () => void>();
const holdingRunner: AgentTurnRunner = {
  runAgentTurn(request, onEvent: (event: AgentEvent) => void): Promise<TurnOutcome> {
    return new Promise((resolve) => {
      held.set(request.conversationId, () => {
        held.delete(request.conversationId);
        onEvent({ type: "text", text: "done" });
        resolve({ status: "completed", reusedProcess: false, timings: { workspaceMs: 0, firstEventMs: 0, totalMs: 0 } });
      });
    });
  },
  async interruptTurn() {
    return false;
  },
};

let directory: string;
let store: PlatformStore;
let conversations: ConversationService;

beforeAll(() => {
  directory = mkdtempSync(path.join(tmpdir(), "limits-concurrent-"));
  store = createSqliteStore({ file: path.join(directory, "platform.sqlite") });
  conversations = new ConversationService({
    store,
    runner: holdingRunner,
    eventLog: createInMemoryRunEventLog(),
    publish: () => undefined,
    defaultModel: "m",
    limits: createConversationLimits({ MAX_CONCURRENT_RUNS_PER_USER: 2, MESSAGES_PER_MINUTE: 100, MAX_MESSAGE_CHARS: 20 }),
  });
});

afterAll(async () => {
  for (const release of held.values()) release();
  await conversations.settled();
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

describe("runs at once per person", () => {
  it("refuses a third run across conversations with quota_exceeded, stores nothing for it, and allows it once one ends", async () => {
    const ann = await store.createUser({ type: "guest" });
    const bob = await store.createUser({ type: "guest" });
    const agent = await store.createAgent({ ownerId: ann.id, name: "Helper", model: "m" });
    const bobAgent = await store.createAgent({ ownerId: bob.id, name: "Bob's", model: "m" });
    const chats = await Promise.all([1, 2, 3].map(() => conversations.createConversation({ userId: ann.id }, agent.id)));
    const send = (conversationId: string, text: string, clientMessageId: string, userId = ann.id, agentId = agent.id) =>
      conversations.sendMessage({ userId }, { agentId, conversationId, text, clientMessageId });

    await send(chats[0]!.id, "first", "m1");
    await send(chats[1]!.id, "second", "m2");
    await expect(send(chats[2]!.id, "third", "m3")).rejects.toMatchObject({ code: "quota_exceeded", message: expect.stringContaining("MAX_CONCURRENT_RUNS_PER_USER") });
    expect(await store.listMessages(chats[2]!.id)).toEqual([]);

    // Another person is not held back by Ann's runs.
    const bobChat = await conversations.createConversation({ userId: bob.id }, bobAgent.id);
    await send(bobChat.id, "hello", "b1", bob.id, bobAgent.id);

    // Too long a message is refused before anything is stored.
    await expect(send(chats[2]!.id, "x".repeat(21), "m4")).rejects.toMatchObject({ code: "payload_too_large" });

    held.get(chats[0]!.id)!();
    await waitFor(async () => (await store.getConversation(chats[0]!.id)).status === "idle");
    await send(chats[2]!.id, "third", "m5");
    expect((await store.listMessages(chats[2]!.id)).map((message) => message.role)).toEqual(["user", "assistant"]);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

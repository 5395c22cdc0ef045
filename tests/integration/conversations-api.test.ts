import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as listConversationsRoute, POST as createConversationRoute } from "@/app/api/agents/[id]/conversations/route";
import { DELETE as deleteConversationRoute, GET as getConversationRoute, PATCH as renameConversationRoute } from "@/app/api/conversations/[id]/route";
import { GET as listMessagesRoute, POST as sendMessageRoute } from "@/app/api/conversations/[id]/messages/route";
import { POST as stopRoute } from "@/app/api/conversations/[id]/stop/route";
import type { AgentEvent } from "@/lib/agent-events";
import type { Conversation, Message } from "@/lib/records";
import { configSchema } from "@/server/config";
import { ConversationService, type AgentTurnRunner } from "@/server/conversations/conversation-service";
import { createInMemoryRunEventLog } from "@/server/conversations/run-event-log";
import { registerPlatformServices } from "@/server/platform-services";
import { composePlatformServices } from "@/server/platform";
import { createSqliteStore } from "@/server/store/sqlite-store";
import type { PlatformStore } from "@/server/store/store";
import type { WorkspaceRuntime } from "@/server/workspaces/workspace-runtime";

/*
 * The conversation REST API on a real SQLite store, through the exported route handlers. The
 * agent's turn is a scripted runner here (the real CLI path is tests/integration/chat-over-socket):
 * this file is about who may do what, and what gets stored.
 */

const scriptedRunner: AgentTurnRunner = {
  async runAgentTurn(request, onEvent) {
    const events: AgentEvent[] = [
      { type: "text_delta", text: "You said: " },
      { type: "text", text: `You said: ${request.prompt}` },
    ];
    for (const event of events) onEvent(event);
    return { status: "completed", reusedProcess: false, timings: { workspaceMs: 0, firstEventMs: 0, totalMs: 0 } };
  },
  async interruptTurn() {
    return false;
  },
};

let directory: string;
let store: PlatformStore;
let conversations: ConversationService;
let alice: { token: string; userId: string };
let bob: { token: string; userId: string };
let agentId: string;

beforeAll(async () => {
  process.env.AUTH_SECRET ??= "conversations-api-test-secret-0123456789";
  directory = mkdtempSync(path.join(tmpdir(), "conversations-api-"));
  store = createSqliteStore({ file: path.join(directory, "platform.sqlite") });
  conversations = new ConversationService({ store, runner: scriptedRunner, eventLog: createInMemoryRunEventLog(), publish: () => undefined, defaultModel: "m" });
  registerPlatformServices(composePlatformServices({ config: configSchema.parse({}), store, runtime: {} as WorkspaceRuntime, conversations, offlineDemoModel: true }));
  alice = await guest();
  bob = await guest();
  agentId = (await store.createAgent({ ownerId: alice.userId, name: "Helper", model: "m" })).id;
});

afterAll(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

async function guest() {
  const user = await store.createUser({ type: "guest" });
  const session = await store.createGuestSession({ userId: user.id, ttlMs: 3_600_000 });
  return { token: session.id, userId: user.id };
}

function request(token: string | null, url: string, method = "GET", body?: unknown): Request {
  const headers = new Headers();
  if (token) headers.set("authorization", `Bearer ${token}`);
  if (body !== undefined) headers.set("content-type", "application/json");
  return new Request(`http://localhost/api${url}`, { method, headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
}

const params = (id: string) => ({ params: Promise.resolve({ id }) });

describe("conversations API", () => {
  it("creates, lists, sends, reads, renames and deletes a conversation for its owner", async () => {
    const created = await createConversationRoute(request(alice.token, `/agents/${agentId}/conversations`, "POST", {}), params(agentId));
    expect(created.status).toBe(201);
    const { conversation } = (await created.json()) as { conversation: Conversation };

    const sent = await sendMessageRoute(request(alice.token, `/conversations/${conversation.id}/messages`, "POST", { text: "hello there", clientMessageId: "m1" }), params(conversation.id));
    expect(sent.status).toBe(202);
    await conversations.settled();
    const again = await sendMessageRoute(request(alice.token, `/conversations/${conversation.id}/messages`, "POST", { text: "hello there", clientMessageId: "m1" }), params(conversation.id));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true });

    const listed = await listMessagesRoute(request(alice.token, `/conversations/${conversation.id}/messages`), params(conversation.id));
    const { messages } = (await listed.json()) as { messages: Message[] };
    expect(messages.map((message) => [message.role, message.status])).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
    ]);
    expect(messages[1]!.content).toEqual([{ type: "text", text: "You said: hello there" }]);

    const paged = await listMessagesRoute(request(alice.token, `/conversations/${conversation.id}/messages?afterSeq=1&limit=1`), params(conversation.id));
    expect(((await paged.json()) as { messages: Message[] }).messages.map((message) => message.seq)).toEqual([2]);

    const state = await getConversationRoute(request(alice.token, `/conversations/${conversation.id}`), params(conversation.id));
    expect(await state.json()).toMatchObject({ conversation: { title: "hello there", status: "idle" }, activeRunId: null });

    const renamed = await renameConversationRoute(request(alice.token, `/conversations/${conversation.id}`, "PATCH", { title: "Greetings" }), params(conversation.id));
    expect(((await renamed.json()) as { conversation: Conversation }).conversation.title).toBe("Greetings");
    const list = await listConversationsRoute(request(alice.token, `/agents/${agentId}/conversations`), params(agentId));
    expect(((await list.json()) as { conversations: Conversation[] }).conversations.map((c) => c.title)).toContain("Greetings");

    expect((await deleteConversationRoute(request(alice.token, `/conversations/${conversation.id}`, "DELETE"), params(conversation.id))).status).toBe(204);
    expect((await getConversationRoute(request(alice.token, `/conversations/${conversation.id}`), params(conversation.id))).status).toBe(404);
  });

  it("refuses every route without a session (401) and another person's conversation as missing (404)", async () => {
    const conversation = await conversations.createConversation({ userId: alice.userId }, agentId);
    await store.appendMessage({ conversationId: conversation.id, role: "user", content: [{ type: "text", text: "private" }] });
    const id = conversation.id;
    const calls = (token: string | null) => [
      () => listConversationsRoute(request(token, `/agents/${agentId}/conversations`), params(agentId)),
      () => createConversationRoute(request(token, `/agents/${agentId}/conversations`, "POST", {}), params(agentId)),
      () => getConversationRoute(request(token, `/conversations/${id}`), params(id)),
      () => renameConversationRoute(request(token, `/conversations/${id}`, "PATCH", { title: "mine now" }), params(id)),
      () => deleteConversationRoute(request(token, `/conversations/${id}`, "DELETE"), params(id)),
      () => listMessagesRoute(request(token, `/conversations/${id}/messages`), params(id)),
      () => sendMessageRoute(request(token, `/conversations/${id}/messages`, "POST", { text: "hi", clientMessageId: "x" }), params(id)),
      () => stopRoute(request(token, `/conversations/${id}/stop`, "POST"), params(id)),
    ];
    for (const call of calls(null)) {
      const response = await call();
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    }
    for (const call of calls(bob.token)) {
      const response = await call();
      expect(response.status).toBe(404);
      expect(JSON.stringify(await response.json())).not.toContain("private");
    }
    // Nothing Bob tried changed what Alice has.
    expect((await store.getConversation(id)).title).toBe("");
    expect((await store.listMessages(id)).map((message) => message.content)).toEqual([[{ type: "text", text: "private" }]]);
  });

  it("answers bad bodies and queries with a clear 400 and stores nothing", async () => {
    const conversation = await conversations.createConversation({ userId: alice.userId }, agentId);
    const cases = [
      request(alice.token, `/conversations/${conversation.id}/messages`, "POST", "{not json"),
      request(alice.token, `/conversations/${conversation.id}/messages`, "POST", { text: "", clientMessageId: "m" }),
      request(alice.token, `/conversations/${conversation.id}/messages`, "POST", { text: "hi", clientMessageId: "../../etc" }),
      request(alice.token, `/conversations/${conversation.id}/messages`, "POST", { text: "hi", clientMessageId: "m", extra: 1 }),
    ];
    for (const bad of cases) {
      const response = await sendMessageRoute(bad, params(conversation.id));
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message.length).toBeGreaterThan(10);
    }
    expect((await listMessagesRoute(request(alice.token, `/conversations/${conversation.id}/messages?limit=9999`), params(conversation.id))).status).toBe(400);
    expect(await store.listMessages(conversation.id)).toEqual([]);
  });
});

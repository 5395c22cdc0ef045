import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { GET as listConversationsRoute, POST as createConversationRoute } from "@/app/api/agents/[id]/conversations/route";
import { POST as duplicateRoute } from "@/app/api/agents/[id]/duplicate/route";
import { GET as archiveRoute } from "@/app/api/agents/[id]/files/archive/route";
import { GET as contentRoute } from "@/app/api/agents/[id]/files/content/route";
import { DELETE as deleteFileRoute, GET as treeRoute, POST as uploadRoute } from "@/app/api/agents/[id]/files/route";
import { POST as rollbackRoute } from "@/app/api/agents/[id]/rollback/route";
import { DELETE as deleteAgentRoute, GET as getAgentRoute, PATCH as editAgentRoute } from "@/app/api/agents/[id]/route";
import { GET as runsRoute } from "@/app/api/agents/[id]/runs/route";
import { GET as schedulesRoute } from "@/app/api/agents/[id]/schedules/route";
import { GET as getShareRoute, PATCH as editShareRoute } from "@/app/api/agents/[id]/share/route";
import { GET as versionsRoute } from "@/app/api/agents/[id]/versions/route";
import { GET as listMessagesRoute, POST as sendMessageRoute } from "@/app/api/conversations/[id]/messages/route";
import { DELETE as deleteConversationRoute, GET as getConversationRoute, PATCH as renameConversationRoute } from "@/app/api/conversations/[id]/route";
import { POST as stopRoute } from "@/app/api/conversations/[id]/stop/route";
import type { RunEventEnvelope } from "@/lib/socket-events";
import type { Agent, Conversation } from "@/lib/records";
import { startSecurityPlatform, type SecurityPlatform } from "./support/security-platform";

/*
 * One person's things are invisible to another, on every route (a sweep over all agent and
 * conversation endpoints, the newer ones included) and on the socket, where rooms must not leak a
 * run's events; and the ids that name things cannot be guessed. The files API's own path rules
 * live in files-api.test.ts, REST owner checks per feature in agents-api / conversations-api /
 * share-api, and follow/send/stop of another's conversation in chat-over-socket.
 */

let security: SecurityPlatform;
let alice: { userId: string; token: string };
let bob: { userId: string; token: string };
let aliceAgent: Agent;
let aliceConversation: Conversation;

beforeAll(async () => {
  security = await startSecurityPlatform();
  const { store, conversations } = security.platform.services;
  alice = await security.newGuest();
  bob = await security.newGuest();
  aliceAgent = await store.createAgent({ ownerId: alice.userId, name: "Alice's private agent", model: "claude-sonnet-4-5" });
  aliceConversation = await conversations.createConversation({ userId: alice.userId }, aliceAgent.id);
});

afterAll(async () => {
  await security?.close();
});

const context = (id: string) => ({ params: Promise.resolve({ id }) });
const as = (token: string, url: string, init: RequestInit = {}) =>
  new Request(`http://localhost/api${url}`, { ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...(init.headers as Record<string, string>) } });

describe("cross-user access", () => {
  it("answers 404 to every agent and conversation route called with someone else's id, and changes nothing", async () => {
    const a = aliceAgent.id;
    const c = aliceConversation.id;
    const t = bob.token;
    const json = (body: unknown) => ({ method: "POST", body: JSON.stringify(body) });
    const calls: [string, () => Promise<Response>][] = [
      ["GET agent", () => getAgentRoute(as(t, `/agents/${a}`), context(a))],
      ["PATCH agent", () => editAgentRoute(as(t, `/agents/${a}`, { method: "PATCH", body: JSON.stringify({ name: "mine now", expectedVersion: 1 }) }), context(a))],
      ["DELETE agent", () => deleteAgentRoute(as(t, `/agents/${a}`, { method: "DELETE" }), context(a))],
      ["duplicate", () => duplicateRoute(as(t, `/agents/${a}/duplicate`, { method: "POST" }), context(a))],
      ["versions", () => versionsRoute(as(t, `/agents/${a}/versions`), context(a))],
      ["rollback", () => rollbackRoute(as(t, `/agents/${a}/rollback`, json({ version: 1, expectedVersion: 1 })), context(a))],
      ["runs", () => runsRoute(as(t, `/agents/${a}/runs`), context(a))],
      ["schedules", () => schedulesRoute(as(t, `/agents/${a}/schedules`), context(a))],
      ["share GET", () => getShareRoute(as(t, `/agents/${a}/share`), context(a))],
      ["share PATCH", () => editShareRoute(as(t, `/agents/${a}/share`, { method: "PATCH", body: JSON.stringify({ visibility: "link", expectedVersion: 1 }) }), context(a))],
      ["list conversations", () => listConversationsRoute(as(t, `/agents/${a}/conversations`), context(a))],
      ["create conversation", () => createConversationRoute(as(t, `/agents/${a}/conversations`, json({})), context(a))],
      ["file tree", () => treeRoute(as(t, `/agents/${a}/files`), context(a))],
      ["file content", () => contentRoute(as(t, `/agents/${a}/files/content?path=x.txt`), context(a))],
      ["archive", () => archiveRoute(as(t, `/agents/${a}/files/archive`), context(a))],
      ["upload", () => uploadRoute(as(t, `/agents/${a}/files?path=x.txt`, { method: "POST", body: "x", headers: { "content-type": "application/octet-stream" } }), context(a))],
      ["delete file", () => deleteFileRoute(as(t, `/agents/${a}/files?path=x.txt`, { method: "DELETE" }), context(a))],
      ["GET conversation", () => getConversationRoute(as(t, `/conversations/${c}`), context(c))],
      ["rename conversation", () => renameConversationRoute(as(t, `/conversations/${c}`, { method: "PATCH", body: JSON.stringify({ title: "mine" }) }), context(c))],
      ["DELETE conversation", () => deleteConversationRoute(as(t, `/conversations/${c}`, { method: "DELETE" }), context(c))],
      ["list messages", () => listMessagesRoute(as(t, `/conversations/${c}/messages`), context(c))],
      ["send message", () => sendMessageRoute(as(t, `/conversations/${c}/messages`, json({ text: "hi", clientMessageId: "x1" })), context(c))],
      ["stop", () => stopRoute(as(t, `/conversations/${c}/stop`, { method: "POST" }), context(c))],
    ];
    for (const [label, call] of calls) {
      const response = await call();
      const body = (await response.json()) as { error?: { code: string; message: string } };
      expect(response.status, label).toBe(404);
      expect(body.error?.code, label).toBe("not_found");
      expect(JSON.stringify(body), label).not.toContain("Alice");
    }
    const { store } = security.platform.services;
    expect(await store.getAgent(aliceAgent.id)).toMatchObject({ name: "Alice's private agent", version: 1, visibility: "private" });
    expect((await store.getConversation(aliceConversation.id)).title).toBe(aliceConversation.title);
    expect(await store.listMessages(aliceConversation.id)).toEqual([]);
  });

  it("keeps a run's events inside its owner's room, and refuses pairing another's agent with one's own conversation", async () => {
    const { store, conversations } = security.platform.services;
    const aliceSocket = await security.connectSocket(alice.token);
    const bobSocket = await security.connectSocket(bob.token);
    const bobSaw: string[] = [];
    bobSocket.onAny((event: string, payload: unknown) => bobSaw.push(`${event} ${JSON.stringify(payload)}`));

    await aliceSocket.emitWithAck("conversation:follow", { conversationId: aliceConversation.id, afterSeq: -1 });
    const run = security.collectRun(aliceSocket, aliceConversation.id);
    await aliceSocket.emitWithAck("conversation:send", { agentId: aliceAgent.id, conversationId: aliceConversation.id, text: "ECHO: for Alice only", clientMessageId: "a1" });
    const events: RunEventEnvelope[] = await run;
    expect(events.at(-1)?.event).toMatchObject({ type: "run_finished", status: "complete" });
    // Bob, connected all along, following nothing of Alice's, saw none of it.
    expect(bobSaw.filter((line) => line.includes(aliceConversation.id) || line.includes("for Alice only"))).toEqual([]);
    // Following it is refused, so there is no way into the room.
    expect(await bobSocket.emitWithAck("conversation:follow", { conversationId: aliceConversation.id, afterSeq: -1 })).toMatchObject({ ok: false, error: { code: "not_found" } });

    // Bob's own conversation, with Alice's agent id: refused, and nothing runs as Alice's agent.
    const bobAgent = await store.createAgent({ ownerId: bob.userId, name: "Bob's agent", model: "claude-sonnet-4-5" });
    const bobConversation = await conversations.createConversation({ userId: bob.userId }, bobAgent.id);
    const mixed = (await bobSocket.emitWithAck("conversation:send", { agentId: aliceAgent.id, conversationId: bobConversation.id, text: "ECHO: mixed", clientMessageId: "b1" })) as {
      ok: boolean;
    };
    expect(mixed.ok).toBe(false);
    expect(await store.listMessages(bobConversation.id)).toEqual([]);
    aliceSocket.disconnect();
    bobSocket.disconnect();
  });

  it("names things with ids that cannot be guessed", async () => {
    const { store, conversations } = security.platform.services;
    const agentIds: string[] = [];
    const conversationIds: string[] = [];
    for (let index = 0; index < 20; index += 1) {
      const agent = await store.createAgent({ ownerId: alice.userId, name: `Agent ${index}`, model: "m" });
      agentIds.push(agent.id);
      conversationIds.push((await conversations.createConversation({ userId: alice.userId }, agent.id)).id);
    }
    const guests = await Promise.all(Array.from({ length: 20 }, () => security.newGuest()));
    const shared = await store.updateAgent(agentIds[0]!, { visibility: "link" }, 1);
    expect(shared.shareToken).toMatch(/^[A-Za-z0-9_-]{22}$/);

    // 128 random bits (22 base64url characters) for records, sessions and share tokens.
    for (const id of [...agentIds, ...conversationIds, ...guests.map((guest) => guest.token), shared.shareToken!]) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    }
    // Guest user ids: a date, then 72 random bits.
    for (const guest of guests) expect(guest.userId).toMatch(/^guest-\d{8}-[A-Za-z0-9_-]{12}$/);
    const all = [...agentIds, ...conversationIds, ...guests.flatMap((guest) => [guest.token, guest.userId])];
    expect(new Set(all).size).toBe(all.length);
    // Not a counter: consecutive ids share no common prefix beyond chance.
    const sharedPrefix = (a: string, b: string) => [...a].findIndex((char, index) => char !== b[index]);
    const longest = Math.max(...agentIds.slice(1).map((id, index) => sharedPrefix(id, agentIds[index]!)));
    expect(longest).toBeLessThan(4);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import type { RunEventEnvelope } from "../../lib/socket-events";
import { collectRun, startTestPlatform, type TestPlatform } from "./support/test-platform";

/**
 * The whole chat path on real parts: a Socket.IO client sends a message, the platform runs the real
 * Claude Code CLI in the user's real container against the offline demo model, events stream back
 * in order, and the conversation is stored.
 */
let testPlatform: TestPlatform;
let token: string;
let userId: string;

beforeAll(async () => {
  testPlatform = await startTestPlatform({ name: "chat-socket", env: { MODEL_STAND_IN_PORT: "3298" } });
  ({ userId, token } = await testPlatform.newGuest());
});

afterAll(async () => {
  await testPlatform.close();
});

function connected(): Promise<Socket> {
  return testPlatform.connectSocket(token);
}

describe("chat over the socket, on the real container and CLI", () => {
  it("streams the sum dialogue, keeps context across turns and stores every message", async () => {
    const { store, conversations } = testPlatform.platform.services;
    const agent = await store.createAgent({ ownerId: userId, name: "Calculator", model: "claude-sonnet-4-5" });
    const conversation = await conversations.createConversation({ userId }, agent.id);
    const socket = await connected();
    const follow = await socket.emitWithAck("conversation:follow", { conversationId: conversation.id, afterSeq: -1 });
    expect(follow).toMatchObject({ ok: true, data: { activeRunId: null } });

    const firstRun = collectRun(socket, conversation.id);
    const ack = await socket.emitWithAck("conversation:send", {
      agentId: agent.id,
      conversationId: conversation.id,
      text: "compute the sum of 1 to 100 in Python",
      clientMessageId: "m1",
    });
    expect(ack).toMatchObject({ ok: true, data: { duplicate: false } });
    const events = await firstRun;

    const seqs = events.map((envelope) => envelope.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const types = events.map((envelope) => envelope.event.type);
    expect(types[0]).toBe("run_started");
    expect(types).toContain("text_delta");
    const toolResult = events.find((envelope) => envelope.event.type === "tool_result")?.event;
    expect(toolResult).toMatchObject({ output: expect.stringContaining("5050"), isError: false });
    expect(events.at(-1)?.event).toMatchObject({ type: "run_finished", status: "complete" });

    // A retried send with the same clientMessageId is not stored or run again.
    const retry = await socket.emitWithAck("conversation:send", {
      agentId: agent.id,
      conversationId: conversation.id,
      text: "compute the sum of 1 to 100 in Python",
      clientMessageId: "m1",
    });
    expect(retry).toMatchObject({ ok: true, data: { duplicate: true } });

    const secondRun = collectRun(socket, conversation.id);
    await socket.emitWithAck("conversation:send", { agentId: agent.id, conversationId: conversation.id, text: "now only the even numbers", clientMessageId: "m2" });
    const second = await secondRun;
    expect(second.find((envelope) => envelope.event.type === "tool_result")?.event).toMatchObject({ output: expect.stringContaining("2550") });

    const messages = await store.listMessages(conversation.id);
    expect(messages.map((message) => [message.role, message.status])).toEqual([
      ["user", "complete"],
      ["assistant", "complete"],
      ["user", "complete"],
      ["assistant", "complete"],
    ]);
    const firstReply = messages[1]!;
    expect(firstReply.content.some((block) => block.type === "tool_result" && block.output.includes("5050"))).toBe(true);
    expect(firstReply.content.some((block) => block.type === "text" && block.text.includes("5050"))).toBe(true);
    expect(firstReply.costUsd).toBeGreaterThan(0);
    expect((await store.getConversation(conversation.id)).title).toBe("compute the sum of 1 to 100 in Python");

    // A client that reconnects after the first event gets every later event exactly once.
    const replay = await socket.emitWithAck("conversation:follow", { conversationId: conversation.id, afterSeq: events[0]!.seq });
    expect(replay.data.replayed).toBe(events.length - 1 + second.length);
    socket.disconnect();
  });

  it("gives a client that lost its connection mid-reply every missed event exactly once", async () => {
    const { store, conversations } = testPlatform.platform.services;
    const agent = await store.createAgent({ ownerId: userId, name: "Writer", model: "claude-sonnet-4-5" });
    const conversation = await conversations.createConversation({ userId }, agent.id);
    const first = await connected();
    await first.emitWithAck("conversation:follow", { conversationId: conversation.id, afterSeq: -1 });
    const seen: RunEventEnvelope[] = [];
    const gotSome = new Promise<void>((resolve) => {
      first.on("conversation:event", (envelope: RunEventEnvelope) => {
        seen.push(envelope);
        if (seen.filter((e) => e.event.type === "text_delta").length === 3) resolve();
      });
    });
    await first.emitWithAck("conversation:send", { agentId: agent.id, conversationId: conversation.id, text: "write a long essay about spreadsheets", clientMessageId: "e1" });
    await gotSome;
    first.disconnect();
    const lastSeen = seen.at(-1)!.seq;

    // A new connection (a reload, or a reconnect) asks for what came after the last event it saw.
    const second = await connected();
    const rest = collectRun(second, conversation.id);
    const follow = await second.emitWithAck("conversation:follow", { conversationId: conversation.id, afterSeq: lastSeen });
    expect(follow.ok).toBe(true);
    const later = await rest;
    const all = [...seen, ...later];
    const seqs = all.map((envelope) => envelope.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));

    const streamed = all.flatMap((envelope) => (envelope.event.type === "text_delta" ? [envelope.event.text] : [])).join("");
    const stored = (await store.listMessages(conversation.id)).at(-1)!;
    const storedText = stored.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
    expect(stored.status).toBe("complete");
    expect(streamed.length).toBeGreaterThan(200);
    expect(streamed).toBe(storedText);
    second.disconnect();
  });

  it("refuses another user's conversation without revealing it", async () => {
    const { store, conversations } = testPlatform.platform.services;
    const owner = await store.createUser({ type: "guest" });
    const agent = await store.createAgent({ ownerId: owner.id, name: "Private", model: "claude-sonnet-4-5" });
    const theirs = await conversations.createConversation({ userId: owner.id }, agent.id);
    const socket = await connected();
    const send = await socket.emitWithAck("conversation:send", { agentId: agent.id, conversationId: theirs.id, text: "hello", clientMessageId: "x1" });
    expect(send).toMatchObject({ ok: false, error: { code: "not_found" } });
    const follow = await socket.emitWithAck("conversation:follow", { conversationId: theirs.id, afterSeq: -1 });
    expect(follow).toMatchObject({ ok: false, error: { code: "not_found" } });
    const stop = await socket.emitWithAck("conversation:stop", { conversationId: theirs.id });
    expect(stop).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(await store.listMessages(theirs.id)).toEqual([]);
    socket.disconnect();
  });
});

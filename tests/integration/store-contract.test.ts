import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import type { AppError, ErrorCode } from "../../lib/errors";
import type { ContentBlock, NewAgent } from "../../lib/records";
import { createFirestoreStore } from "../../server/store/firestore-store";
import { createSqliteStore } from "../../server/store/sqlite-store";
import type { PlatformStore, StoreOptions } from "../../server/store/store";
import { startFirestoreEmulator, stopFirestoreEmulator } from "./setup/firestore-emulator";

/** A store for one test, and how to throw its data away afterwards. */
type StoreFactory = (options: Required<StoreOptions>) => Promise<{ store: PlatformStore; discard: () => Promise<void> }>;

interface TestClock {
  now: () => Date;
  advance: (ms: number) => void;
}

/** Every reading moves time on by 1 ms, so records made one after another never tie. */
function testClock(): TestClock {
  let current = Date.parse("2026-01-01T00:00:00.000Z");
  return {
    now: () => new Date(current++),
    advance: (ms) => {
      current += ms;
    },
  };
}

function rejectsWith(promise: Promise<unknown>, code: ErrorCode) {
  return expect(promise).rejects.toMatchObject({ name: "AppError", code } satisfies Partial<AppError>);
}

const text = (value: string): ContentBlock[] => [{ type: "text", text: value }];

/**
 * What every PlatformStore adapter promises, run against each of them on the real database.
 */
export function describeStoreContract(name: string, makeStore: StoreFactory): void {
  describe(`${name} store`, () => {
    let store: PlatformStore;
    let clock: TestClock;
    let discard: () => Promise<void>;

    beforeEach(async () => {
      clock = testClock();
      ({ store, discard } = await makeStore({ now: clock.now }));
    });

    afterEach(async () => {
      await store.close();
      await discard();
    });

    async function owner(name = "Ada") {
      return store.createUser({ type: "google", email: `${name.toLowerCase()}-${randomBytes(3).toString("hex")}@example.com`, name });
    }

    async function agentOf(ownerId: string, overrides: Partial<NewAgent> = {}) {
      return store.createAgent({ ownerId, name: "Researcher", model: "claude-sonnet-4-5", instructions: "Be brief.", ...overrides });
    }

    async function conversationWithAgent() {
      const user = await owner();
      const agent = await agentOf(user.id);
      const conversation = await store.createConversation({ agentId: agent.id, ownerId: user.id, title: "First chat" });
      return { user, agent, conversation };
    }

    it("answers a ping", async () => {
      const { detail } = await store.ping();
      expect(detail).toMatch(name === "SQLite" ? /SQLite/ : /Firestore/);
    });

    it("treats ids that could never exist (empty, with slashes) as missing", async () => {
      for (const id of ["", "a/b", "../users", "x".repeat(200)]) {
        await rejectsWith(store.getUser(id), "not_found");
        await rejectsWith(store.getAgent(id), "not_found");
        await rejectsWith(store.updateAgent(id, { name: "x" }, 1), "not_found");
        await rejectsWith(store.getConversation(id), "not_found");
        await rejectsWith(store.deleteConversation(id), "not_found");
        await rejectsWith(store.getMessage(id), "not_found");
        await rejectsWith(store.getRun(id), "not_found");
        await rejectsWith(store.getAgentVersion(id, 1), "not_found");
        expect(await store.listAgentVersions(id)).toEqual([]);
        expect(await store.findGuestSession(id)).toBeNull();
        await store.deleteGuestSession(id);
      }
    });

    describe("users", () => {
      it("creates, reads and updates a user, and finds it by email regardless of case", async () => {
        const user = await store.createUser({ type: "google", email: "Ada@Example.com", name: "Ada" });
        expect(user).toMatchObject({ type: "google", email: "ada@example.com", name: "Ada" });
        expect(user.id).toMatch(/^[A-Za-z0-9_-]{22}$/);
        expect(await store.getUser(user.id)).toEqual(user);
        expect(await store.findUserByEmail("ADA@example.com")).toEqual(user);
        expect(await store.findUserByEmail("nobody@example.com")).toBeNull();

        const renamed = await store.updateUser(user.id, { name: "Ada L." });
        expect(renamed).toEqual({ ...user, name: "Ada L." });
        expect(await store.getUser(user.id)).toEqual(renamed);
      });

      it("keeps emails unique and reports missing users", async () => {
        await store.createUser({ type: "google", email: "ada@example.com" });
        await rejectsWith(store.createUser({ type: "google", email: "ADA@example.com" }), "conflict");
        const other = await store.createUser({ type: "google", email: "grace@example.com" });
        await rejectsWith(store.updateUser(other.id, { email: "ada@example.com" }), "conflict");
        expect((await store.getUser(other.id)).email).toBe("grace@example.com");
        await rejectsWith(store.getUser("missing"), "not_found");
        await rejectsWith(store.updateUser("missing", { name: "x" }), "not_found");
      });
    });

    describe("guest sessions", () => {
      it("finds a live session and treats an expired one as missing", async () => {
        const guest = await store.createUser({ type: "guest" });
        const session = await store.createGuestSession({ userId: guest.id, ttlMs: 60_000 });
        expect(session.userId).toBe(guest.id);
        expect(Date.parse(session.expiresAt) - Date.parse(session.createdAt)).toBe(60_000);
        expect(await store.findGuestSession(session.id)).toEqual(session);

        clock.advance(59_000);
        expect(await store.findGuestSession(session.id)).toEqual(session);
        clock.advance(1_000);
        expect(await store.findGuestSession(session.id)).toBeNull();
        expect(await store.findGuestSession(session.id)).toBeNull();
      });

      it("deletes idempotently and only serves guests", async () => {
        const guest = await store.createUser({ type: "guest" });
        const session = await store.createGuestSession({ userId: guest.id, ttlMs: 60_000 });
        await store.deleteGuestSession(session.id);
        await store.deleteGuestSession(session.id);
        expect(await store.findGuestSession(session.id)).toBeNull();

        const member = await owner();
        await rejectsWith(store.createGuestSession({ userId: member.id, ttlMs: 60_000 }), "bad_request");
        await rejectsWith(store.createGuestSession({ userId: "missing", ttlMs: 60_000 }), "not_found");
        await rejectsWith(store.createGuestSession({ userId: guest.id, ttlMs: -1 }), "bad_request");
      });
    });

    describe("merging a guest into a Google user", () => {
      it("moves agents, conversations and runs, marks the guest and ends its sessions", async () => {
        const guest = await store.createUser({ type: "guest" });
        const session = await store.createGuestSession({ userId: guest.id, ttlMs: 60_000 });
        const member = await owner();
        const memberAgent = await agentOf(member.id, { name: "Old" });
        const guestAgents = [await agentOf(guest.id, { name: "One" }), await agentOf(guest.id, { name: "Two" })];
        const guestChat = await store.createConversation({ agentId: guestAgents[0]!.id, ownerId: guest.id });
        // A guest's chat with someone else's shared agent belongs to the guest too.
        const visitorChat = await store.createConversation({ agentId: memberAgent.id, ownerId: guest.id });
        const run = await store.createRun({ conversationId: guestChat.id, agentId: guestAgents[0]!.id, ownerId: guest.id, trigger: "chat" });

        expect(await store.mergeUser(guest.id, member.id)).toEqual({ agents: 2, conversations: 2, runs: 1 });

        const agents = await store.listAgentsByOwner(member.id);
        expect(agents.map((agent) => agent.name).sort()).toEqual(["Old", "One", "Two"]);
        expect(await store.listAgentsByOwner(guest.id)).toEqual([]);
        expect((await store.getConversation(guestChat.id)).ownerId).toBe(member.id);
        expect((await store.getConversation(visitorChat.id)).ownerId).toBe(member.id);
        expect((await store.getRun(run.id)).ownerId).toBe(member.id);
        expect((await store.getUser(guest.id)).mergedInto).toBe(member.id);
        expect(await store.findGuestSession(session.id)).toBeNull();

        // A retried sign-in repeats the merge: nothing left to move, nothing breaks.
        expect(await store.mergeUser(guest.id, member.id)).toEqual({ agents: 0, conversations: 0, runs: 0 });
        const someoneElse = await owner("Grace");
        await rejectsWith(store.mergeUser(guest.id, someoneElse.id), "conflict");
        await rejectsWith(store.mergeUser(member.id, someoneElse.id), "bad_request");
        await rejectsWith(store.mergeUser("missing", member.id), "not_found");
        await rejectsWith(store.createGuestSession({ userId: guest.id, ttlMs: 60_000 }), "bad_request");
      });
    });

    describe("agents", () => {
      it("creates a private agent at version 1 and lists an owner's agents by latest activity", async () => {
        const ada = await owner();
        const grace = await owner("Grace");
        const first = await agentOf(ada.id, { name: "First" });
        expect(first).toMatchObject({ ownerId: ada.id, version: 1, visibility: "private", description: "", instructions: "Be brief." });
        expect(first.shareToken).toBeUndefined();
        expect(first.lastActivityAt).toBe(first.createdAt);
        const second = await agentOf(ada.id, { name: "Second" });
        const third = await agentOf(ada.id, { name: "Third" });
        await agentOf(grace.id, { name: "Not Ada's" });
        expect(await store.getAgent(second.id)).toEqual(second);

        expect((await store.listAgentsByOwner(ada.id)).map((agent) => agent.name)).toEqual(["Third", "Second", "First"]);

        // A message in the first agent's conversation makes it the most recently active.
        const chat = await store.createConversation({ agentId: first.id, ownerId: ada.id });
        const { message } = await store.appendMessage({ conversationId: chat.id, role: "user", content: text("hi") });
        expect((await store.getAgent(first.id)).lastActivityAt).toBe(message.createdAt);
        expect((await store.listAgentsByOwner(ada.id)).map((agent) => agent.name)).toEqual(["First", "Third", "Second"]);
        expect((await store.listAgentsByOwner(ada.id, { limit: 2 })).map((agent) => agent.id)).toEqual([first.id, third.id]);
        await rejectsWith(store.listAgentsByOwner(ada.id, { limit: 0 }), "bad_request");
        await rejectsWith(store.getAgent("missing"), "not_found");
      });

      it("applies an edit made from the current version and refuses a stale one, unchanged", async () => {
        const agent = await agentOf((await owner()).id);
        const edited = await store.updateAgent(agent.id, { name: "Analyst", instructions: "Show your work." }, 1);
        expect(edited).toMatchObject({ name: "Analyst", instructions: "Show your work.", version: 2, createdAt: agent.createdAt });
        expect(edited.updatedAt > agent.updatedAt).toBe(true);

        await rejectsWith(store.updateAgent(agent.id, { name: "Lost edit" }, 1), "conflict");
        expect(await store.getAgent(agent.id)).toEqual(edited);

        // An edit that changes nothing does not make a new version.
        expect(await store.updateAgent(agent.id, { name: "Analyst" }, 2)).toEqual(edited);
        await rejectsWith(store.updateAgent("missing", { name: "x" }, 1), "not_found");
      });

      it("issues a share token while shared and drops it when private again", async () => {
        const agent = await agentOf((await owner()).id);
        expect(await store.findAgentByShareToken("nothing")).toBeNull();
        const shared = await store.updateAgent(agent.id, { visibility: "link" }, agent.version);
        expect(shared.shareToken).toMatch(/^[A-Za-z0-9_-]{22}$/);
        expect(await store.findAgentByShareToken(shared.shareToken!)).toEqual(shared);

        const published = await store.updateAgent(agent.id, { visibility: "public" }, shared.version);
        expect(published.shareToken).toBe(shared.shareToken);

        const hidden = await store.updateAgent(agent.id, { visibility: "private" }, published.version);
        expect(hidden.shareToken).toBeUndefined();
        expect(await store.findAgentByShareToken(shared.shareToken!)).toBeNull();
        expect((await store.getAgent(agent.id)).shareToken).toBeUndefined();

        const reshared = await store.updateAgent(agent.id, { visibility: "link" }, hidden.version);
        expect(reshared.shareToken).not.toBe(shared.shareToken);
        const createdShared = await agentOf(agent.ownerId, { visibility: "public" });
        expect(createdShared.shareToken).toBeDefined();
      });

      it("keeps the shared conversation until cleared, and drops it with the link when private", async () => {
        const { agent, conversation } = await conversationWithAgent();
        const shared = await store.updateAgent(agent.id, { visibility: "link", sharedConversationId: conversation.id }, agent.version);
        expect(shared.sharedConversationId).toBe(conversation.id);
        expect(await store.getAgent(agent.id)).toEqual(shared);
        expect(await store.findAgentByShareToken(shared.shareToken!)).toEqual(shared);

        const renamed = await store.updateAgent(agent.id, { name: "Renamed" }, shared.version);
        expect(renamed.sharedConversationId).toBe(conversation.id);
        const cleared = await store.updateAgent(agent.id, { sharedConversationId: null }, renamed.version);
        expect(cleared.sharedConversationId).toBeUndefined();
        expect(await store.getAgent(agent.id)).toEqual(cleared);

        const again = await store.updateAgent(agent.id, { sharedConversationId: conversation.id }, cleared.version);
        const hidden = await store.updateAgent(agent.id, { visibility: "private" }, again.version);
        expect(hidden.sharedConversationId).toBeUndefined();
        expect(await store.getAgent(agent.id)).toEqual(hidden);
      });

      it("records and reads versions of an agent", async () => {
        const agent = await agentOf((await owner()).id);
        const config = { name: agent.name, description: agent.description, instructions: agent.instructions, model: agent.model };
        const v1 = await store.addAgentVersion({ agentId: agent.id, version: 1, config, createdBy: agent.ownerId });
        const v2 = await store.addAgentVersion({ agentId: agent.id, version: 2, config: { ...config, name: "Renamed" }, createdBy: agent.ownerId });
        expect(await store.listAgentVersions(agent.id)).toEqual([v2, v1]);
        expect(await store.listAgentVersions(agent.id, { limit: 1 })).toEqual([v2]);
        expect(await store.getAgentVersion(agent.id, 1)).toEqual(v1);
        await rejectsWith(store.addAgentVersion({ agentId: agent.id, version: 2, config, createdBy: agent.ownerId }), "conflict");
        expect(await store.getAgentVersion(agent.id, 2)).toEqual(v2);
        await rejectsWith(store.getAgentVersion(agent.id, 3), "not_found");
        await rejectsWith(store.addAgentVersion({ agentId: "missing", version: 1, config, createdBy: agent.ownerId }), "not_found");
      });
    });

    describe("conversations", () => {
      it("lists an agent's conversations by latest update, optionally for one person", async () => {
        const { user, agent, conversation: first } = await conversationWithAgent();
        const visitor = await owner("Visitor");
        const second = await store.createConversation({ agentId: agent.id, ownerId: user.id, title: "Second chat" });
        const visitorChat = await store.createConversation({ agentId: agent.id, ownerId: visitor.id });
        expect(first).toMatchObject({ status: "idle", lastSeq: 0, title: "First chat" });
        expect(first.claudeSessionId).toMatch(/^[0-9a-f-]{36}$/);
        expect(await store.getConversation(first.id)).toEqual(first);

        expect((await store.listConversationsByAgent(agent.id)).map((c) => c.id)).toEqual([visitorChat.id, second.id, first.id]);
        await store.appendMessage({ conversationId: first.id, role: "user", content: text("back again") });
        expect((await store.listConversationsByAgent(agent.id, { ownerId: user.id })).map((c) => c.id)).toEqual([first.id, second.id]);
        expect((await store.listConversationsByAgent(agent.id, { ownerId: visitor.id })).map((c) => c.id)).toEqual([visitorChat.id]);
        expect((await store.listConversationsByAgent(agent.id, { limit: 1 })).map((c) => c.id)).toEqual([first.id]);

        const running = await store.updateConversation(second.id, { status: "running", title: "Renamed" });
        expect(running).toMatchObject({ status: "running", title: "Renamed", lastSeq: 0 });
        expect(await store.getConversation(second.id)).toEqual(running);
        await rejectsWith(store.createConversation({ agentId: "missing", ownerId: user.id }), "not_found");
        await rejectsWith(store.getConversation("missing"), "not_found");
      });
    });

    describe("messages", () => {
      it("numbers messages in order and pages through them", async () => {
        const { conversation } = await conversationWithAgent();
        for (let index = 1; index <= 7; index += 1) {
          const { message, created } = await store.appendMessage({
            conversationId: conversation.id,
            role: index % 2 === 1 ? "user" : "assistant",
            content: text(`message ${index}`),
          });
          expect(created).toBe(true);
          expect(message).toMatchObject({ seq: index, status: "complete", conversationId: conversation.id });
        }
        expect((await store.getConversation(conversation.id)).lastSeq).toBe(7);

        const all = await store.listMessages(conversation.id);
        expect(all.map((message) => message.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
        expect(all[2]?.content).toEqual(text("message 3"));
        expect((await store.listMessages(conversation.id, { limit: 3 })).map((m) => m.seq)).toEqual([1, 2, 3]);
        expect((await store.listMessages(conversation.id, { afterSeq: 3, limit: 3 })).map((m) => m.seq)).toEqual([4, 5, 6]);
        expect((await store.listMessages(conversation.id, { afterSeq: 6 })).map((m) => m.seq)).toEqual([7]);
        expect(await store.listMessages(conversation.id, { afterSeq: 7 })).toEqual([]);
        expect(await store.getMessage(all[0]!.id)).toEqual(all[0]);
        await rejectsWith(store.listMessages(conversation.id, { afterSeq: -1 }), "bad_request");
        await rejectsWith(store.appendMessage({ conversationId: "missing", role: "user", content: text("?") }), "not_found");
      });

      it("gives concurrent appends distinct seqs without gaps", async () => {
        const { conversation } = await conversationWithAgent();
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, index) => store.appendMessage({ conversationId: conversation.id, role: "user", content: text(`${index}`) })),
        );
        expect(results.map((result) => result.message.seq).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
        expect((await store.getConversation(conversation.id)).lastSeq).toBe(6);
      });

      it("returns the earlier message when a client retries with the same clientMessageId", async () => {
        const { agent, user, conversation } = await conversationWithAgent();
        const first = await store.appendMessage({ conversationId: conversation.id, role: "user", content: text("hello"), clientMessageId: "c-1" });
        const retried = await store.appendMessage({ conversationId: conversation.id, role: "user", content: text("hello"), clientMessageId: "c-1" });
        expect(retried).toEqual({ message: first.message, created: false });
        expect(await store.findMessageByClientMessageId(conversation.id, "c-1")).toEqual(first.message);
        expect(await store.findMessageByClientMessageId(conversation.id, "c-2")).toBeNull();
        expect(await store.listMessages(conversation.id)).toHaveLength(1);
        expect((await store.getConversation(conversation.id)).lastSeq).toBe(1);

        // Concurrent retries of one send still make one message.
        const burst = await Promise.all(
          Array.from({ length: 4 }, () => store.appendMessage({ conversationId: conversation.id, role: "user", content: text("again"), clientMessageId: "c-2" })),
        );
        expect(burst.filter((result) => result.created)).toHaveLength(1);
        expect(new Set(burst.map((result) => result.message.id)).size).toBe(1);

        // The key is per conversation.
        const other = await store.createConversation({ agentId: agent.id, ownerId: user.id });
        const elsewhere = await store.appendMessage({ conversationId: other.id, role: "user", content: text("hello"), clientMessageId: "c-1" });
        expect(elsewhere.created).toBe(true);
        expect(elsewhere.message.seq).toBe(1);
      });

      it("updates a streaming reply until it is interrupted, then keeps it as it was", async () => {
        const { conversation } = await conversationWithAgent();
        const { message } = await store.appendMessage({ conversationId: conversation.id, role: "assistant", content: [], status: "streaming" });
        expect(message.status).toBe("streaming");

        const partial = await store.updateMessage(message.id, { content: text("Let me look") });
        const toolUse: ContentBlock = { type: "tool_use", id: "toolu_1", name: "Bash", input: { command: "ls", grid: [[1, 2], [3]] } };
        const longer = await store.updateMessage(message.id, { content: [...text("Let me look"), toolUse] });
        expect(longer.updatedAt > partial.updatedAt).toBe(true);
        const interrupted = await store.updateMessage(message.id, {
          status: "interrupted",
          usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheCreationTokens: 0 },
          costUsd: 0.0012,
        });
        expect(interrupted).toMatchObject({ status: "interrupted", costUsd: 0.0012, content: [...text("Let me look"), toolUse] });
        expect(await store.getMessage(message.id)).toEqual(interrupted);

        await rejectsWith(store.updateMessage(message.id, { content: text("late chunk") }), "conflict");
        expect(await store.getMessage(message.id)).toEqual(interrupted);
        await rejectsWith(store.updateMessage("missing", { status: "failed" }), "not_found");
      });

      it("stores every kind of content block and a failure", async () => {
        const { conversation } = await conversationWithAgent();
        const content: ContentBlock[] = [
          { type: "text", text: "Here is the chart" },
          { type: "tool_use", id: "toolu_2", name: "Write", input: { path: "/workspace/a.py", nested: { list: [1, "two", null] } } },
          { type: "tool_result", toolUseId: "toolu_2", output: "ok", isError: false },
          { type: "image", path: "outputs/chart.png", mimeType: "image/png" },
          { type: "file", path: "outputs/report.csv", mimeType: "text/csv", name: "report.csv" },
        ];
        const { message } = await store.appendMessage({
          conversationId: conversation.id,
          role: "assistant",
          content,
          status: "failed",
          error: { code: "workspace_lost", message: "The workspace stopped." },
        });
        expect(await store.getMessage(message.id)).toEqual({ ...message, content });
      });
    });

    describe("bad input loses nothing", () => {
      it("leaves every record as it was when an update is rejected", async () => {
        const { user, agent, conversation } = await conversationWithAgent();
        const { message } = await store.appendMessage({ conversationId: conversation.id, role: "user", content: text("keep me") });
        const agentNow = await store.getAgent(agent.id);

        const badAgentEdits: unknown[] = [{ name: "" }, { name: "x".repeat(101) }, { visibility: "everyone" }, { ownerId: "someone-else" }, { version: 7 }];
        for (const patch of badAgentEdits) {
          await rejectsWith(store.updateAgent(agent.id, patch as never, agent.version), "bad_request");
        }
        await rejectsWith(store.updateAgent(agent.id, { name: "Fine" }, 0), "bad_request");
        expect(await store.getAgent(agent.id)).toEqual(agentNow);

        await rejectsWith(store.updateUser(user.id, { email: "not an email" }), "bad_request");
        expect(await store.getUser(user.id)).toEqual(user);

        const conversationNow = await store.getConversation(conversation.id);
        await rejectsWith(store.updateConversation(conversation.id, { status: "exploded" } as never), "bad_request");
        await rejectsWith(store.updateConversation(conversation.id, { lastSeq: 0 } as never), "bad_request");
        expect(await store.getConversation(conversation.id)).toEqual(conversationNow);

        // A final message cannot change, and a malformed append adds nothing.
        await rejectsWith(store.updateMessage(message.id, { content: text("overwritten") }), "conflict");
        await rejectsWith(store.appendMessage({ conversationId: conversation.id, role: "robot", content: text("?") } as never), "bad_request");
        await rejectsWith(
          store.appendMessage({ conversationId: conversation.id, role: "user", content: [{ type: "video", url: "x" }] } as never),
          "bad_request",
        );
        await rejectsWith(
          store.appendMessage({ conversationId: conversation.id, role: "user", content: text("x".repeat(1_000_000)) }),
          "payload_too_large",
        );
        expect(await store.listMessages(conversation.id)).toEqual([message]);
        expect(await store.getConversation(conversation.id)).toEqual(conversationNow);

        const run = await store.createRun({ conversationId: conversation.id, agentId: agent.id, ownerId: user.id, trigger: "chat" });
        await rejectsWith(store.updateRun(run.id, { status: "exploded" } as never), "bad_request");
        expect(await store.getRun(run.id)).toEqual(run);
      });
    });

    describe("deleting", () => {
      it("deletes an agent with its conversations, their messages and its versions, and nothing else", async () => {
        const { user, agent, conversation } = await conversationWithAgent();
        const second = await store.createConversation({ agentId: agent.id, ownerId: user.id });
        const messages = [];
        for (const chat of [conversation, second]) {
          for (let index = 0; index < 3; index += 1) {
            messages.push((await store.appendMessage({ conversationId: chat.id, role: "user", content: text(`${index}`) })).message);
          }
        }
        const run = await store.createRun({ conversationId: conversation.id, agentId: agent.id, ownerId: user.id, trigger: "chat" });
        await store.addAgentVersion({ agentId: agent.id, version: 1, config: { name: "a", description: "", instructions: "", model: "m" }, createdBy: user.id });
        const keptAgent = await agentOf(user.id, { name: "Kept" });
        const keptChat = await store.createConversation({ agentId: keptAgent.id, ownerId: user.id });
        const { message: keptMessage } = await store.appendMessage({ conversationId: keptChat.id, role: "user", content: text("stay") });

        await store.deleteAgent(agent.id);

        await rejectsWith(store.getAgent(agent.id), "not_found");
        await rejectsWith(store.getConversation(conversation.id), "not_found");
        await rejectsWith(store.getConversation(second.id), "not_found");
        for (const message of messages) await rejectsWith(store.getMessage(message.id), "not_found");
        expect(await store.listMessages(conversation.id)).toEqual([]);
        expect(await store.listConversationsByAgent(agent.id)).toEqual([]);
        expect(await store.listAgentVersions(agent.id)).toEqual([]);
        // Runs are the cost history: they outlive the agent.
        expect(await store.getRun(run.id)).toEqual(run);

        expect(await store.listAgentsByOwner(user.id)).toEqual([await store.getAgent(keptAgent.id)]);
        expect(await store.listMessages(keptChat.id)).toEqual([keptMessage]);
        await rejectsWith(store.deleteAgent(agent.id), "not_found");
      });

      it("deletes a conversation with its messages", async () => {
        const { agent, user, conversation } = await conversationWithAgent();
        const { message } = await store.appendMessage({ conversationId: conversation.id, role: "user", content: text("bye") });
        const other = await store.createConversation({ agentId: agent.id, ownerId: user.id });
        await store.deleteConversation(conversation.id);
        await rejectsWith(store.getConversation(conversation.id), "not_found");
        await rejectsWith(store.getMessage(message.id), "not_found");
        expect(await store.listConversationsByAgent(agent.id)).toEqual([other]);
        await rejectsWith(store.deleteConversation(conversation.id), "not_found");
        await rejectsWith(store.appendMessage({ conversationId: conversation.id, role: "user", content: text("late") }), "not_found");
      });
    });

    describe("runs", () => {
      it("records runs, finishes them once, and lists them newest first", async () => {
        const { user, agent, conversation } = await conversationWithAgent();
        const first = await store.createRun({ conversationId: conversation.id, agentId: agent.id, ownerId: user.id, trigger: "chat" });
        expect(first).toMatchObject({ status: "running", trigger: "chat" });
        clock.advance(1_500);
        const finished = await store.updateRun(first.id, { status: "complete", costUsd: 0.02 });
        expect(finished).toMatchObject({ status: "complete", costUsd: 0.02 });
        expect(finished.durationMs).toBeGreaterThanOrEqual(1_500);
        expect(finished.finishedAt).toBeDefined();
        expect(await store.getRun(first.id)).toEqual(finished);
        await rejectsWith(store.updateRun(first.id, { status: "failed" }), "conflict");
        expect(await store.getRun(first.id)).toEqual(finished);

        const other = await store.createConversation({ agentId: agent.id, ownerId: user.id });
        const second = await store.createRun({ conversationId: conversation.id, agentId: agent.id, ownerId: user.id, trigger: "schedule" });
        const third = await store.createRun({ conversationId: other.id, agentId: agent.id, ownerId: user.id, trigger: "chat" });
        const failed = await store.updateRun(second.id, { status: "failed", error: { code: "model_unavailable", message: "no answer" } });
        expect(failed.error).toEqual({ code: "model_unavailable", message: "no answer" });

        expect((await store.listRunsByConversation(conversation.id)).map((run) => run.id)).toEqual([second.id, first.id]);
        expect((await store.listRunsByAgent(agent.id)).map((run) => run.id)).toEqual([third.id, second.id, first.id]);
        expect((await store.listRunsByAgent(agent.id, { limit: 1 })).map((run) => run.id)).toEqual([third.id]);
        await rejectsWith(store.getRun("missing"), "not_found");
      });

      it("lists the runs still marked running, oldest first", async () => {
        const { user, agent, conversation } = await conversationWithAgent();
        const older = await store.createRun({ conversationId: conversation.id, agentId: agent.id, ownerId: user.id, trigger: "chat" });
        clock.advance(1_000);
        const done = await store.createRun({ conversationId: conversation.id, agentId: agent.id, ownerId: user.id, trigger: "chat" });
        await store.updateRun(done.id, { status: "complete" });
        clock.advance(1_000);
        const newer = await store.createRun({ conversationId: conversation.id, agentId: agent.id, ownerId: user.id, trigger: "schedule" });
        expect((await store.listUnfinishedRuns()).map((run) => run.id)).toEqual([older.id, newer.id]);
        expect((await store.listUnfinishedRuns({ limit: 1 })).map((run) => run.id)).toEqual([older.id]);
      });
    });
  });
}

describeStoreContract("SQLite", async (options) => {
  const dir = await mkdtemp(path.join(tmpdir(), "store-contract-"));
  const store = createSqliteStore({ ...options, file: path.join(dir, "platform.sqlite") });
  return { store, discard: () => rm(dir, { recursive: true, force: true }) };
});

describe("Firestore emulator", () => {
  let host = "";
  let stopWhenDone = false;

  beforeAll(async () => {
    // Provided by the globalSetup when it is wired in; otherwise start (or reuse) it here.
    const provided = inject("firestoreEmulatorHost");
    if (provided) {
      host = provided;
    } else {
      const emulator = await startFirestoreEmulator();
      host = emulator.host;
      stopWhenDone = emulator.startedHere;
    }
    // firebase-admin reads the emulator address from the environment when a client is made.
    process.env.FIRESTORE_EMULATOR_HOST = host;
  });

  afterAll(async () => {
    if (stopWhenDone) await stopFirestoreEmulator(host);
  });

  describeStoreContract("Firestore", async (options) => {
    // A project per test: tests never see each other's documents.
    const projectId = `demo-contract-${randomBytes(6).toString("hex")}`;
    const store = createFirestoreStore({ ...options, projectId });
    const discard = async () => {
      const response = await fetch(`http://${host}/emulator/v1/projects/${projectId}/databases/(default)/documents`, { method: "DELETE" });
      if (!response.ok) throw new Error(`clearing emulator project ${projectId} failed: ${response.status}`);
    };
    return { store, discard };
  });
});

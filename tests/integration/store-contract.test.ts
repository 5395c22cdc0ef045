import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { deleteApp, initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppError, ErrorCode } from "../../lib/errors";
import type { ContentBlock, NewAgent, Schedule } from "../../lib/records";
import { createFirestoreStore } from "../../server/store/firestore-store";
import { createSqliteStore, sqliteMigrations } from "../../server/store/sqlite-store";
import type { PlatformStore, StoreOptions } from "../../server/store/store";
import { clearEmulatorProject, useFirestoreEmulator } from "./setup/firestore-emulator";

/** An agent and a version written the way the release before schedules stored them. */
interface LegacyRecords {
  agent: { id: string; ownerId: string; name: string; instructions: string; at: string };
  version: { agentId: string; version: number; config: { name: string; description: string; instructions: string; model: string }; createdBy: string; at: string };
}

/** A store for one test, how to throw its data away afterwards, and a raw writer for old-format records. */
type StoreFactory = (options: Required<StoreOptions>) => Promise<{
  store: PlatformStore;
  discard: () => Promise<void>;
  writeLegacy: (records: LegacyRecords) => Promise<void>;
}>;

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
    let writeLegacy: (records: LegacyRecords) => Promise<void>;

    beforeEach(async () => {
      clock = testClock();
      ({ store, discard, writeLegacy } = await makeStore({ now: clock.now }));
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
        await rejectsWith(store.updateScheduleFire(id, { status: "running" }), "not_found");
        expect(await store.listScheduleFires(id)).toEqual([]);
        expect(await store.latestScheduleFire(id, id)).toBeNull();
        expect(await store.listNotifications(id)).toEqual([]);
        expect(await store.markNotificationsRead(id)).toBe(0);
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
        expect(createdShared.shareToken).toMatch(/^[A-Za-z0-9_-]{22}$/);
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

      it("finds one person's conversations by title or by the words of their messages, newest first", async () => {
        const { user, agent, conversation: first } = await conversationWithAgent();
        const visitor = await owner("Visitor");
        const byTitle = await store.createConversation({ agentId: agent.id, ownerId: user.id, title: "Quarterly Revenue" });
        const byWords = await store.createConversation({ agentId: agent.id, ownerId: user.id, title: "Untitled" });
        const visitorChat = await store.createConversation({ agentId: agent.id, ownerId: visitor.id, title: "Revenue too" });
        await store.appendMessage({ conversationId: byWords.id, role: "user", content: text("what was our REVENUE in March?") });
        // A step's input is the agent's working, not the conversation's words.
        await store.appendMessage({
          conversationId: first.id,
          role: "assistant",
          content: [{ type: "tool_use", id: "t1", name: "Bash", input: { command: "echo revenue" } }],
        });
        await store.appendMessage({ conversationId: first.id, role: "user", content: text("say \"hi\" to Zoë") });

        const ids = async (query: string, limit?: number) => (await store.searchConversations(agent.id, user.id, query, { limit })).map((c) => c.id);
        expect(await ids("revenue")).toEqual([byWords.id, byTitle.id]);
        expect(await ids("  Revenue ")).toEqual([byWords.id, byTitle.id]);
        expect(await ids("revenue", 1)).toEqual([byWords.id]);
        expect(await ids('"hi"')).toEqual([first.id]);
        expect(await ids("zoë")).toEqual([first.id]);
        expect(await ids("type")).toEqual([]);
        expect(await ids("nothing like this")).toEqual([]);
        expect(await ids("")).toEqual([]);
        expect((await store.searchConversations(agent.id, visitor.id, "revenue")).map((c) => c.id)).toEqual([visitorChat.id]);
      });

      it("keeps the schedule a scheduled run's conversation came from", async () => {
        const { user, agent, conversation: chat } = await conversationWithAgent();
        const scheduled = await store.createConversation({ agentId: agent.id, ownerId: user.id, title: "Daily report", scheduleId: "sched-1" });
        expect(scheduled.scheduleId).toBe("sched-1");
        expect(await store.getConversation(scheduled.id)).toEqual(scheduled);
        expect(chat.scheduleId).toBeUndefined();
        const renamed = await store.updateConversation(scheduled.id, { title: "Renamed report" });
        expect(renamed.scheduleId).toBe("sched-1");
        const listed = await store.listConversationsByAgent(agent.id, { ownerId: user.id });
        expect(listed.map((c) => [c.id, c.scheduleId])).toEqual([
          [scheduled.id, "sched-1"],
          [chat.id, undefined],
        ]);
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
        // The store's clock at the update: 1.5 s after the run started.
        expect(Date.parse(finished.finishedAt!) - Date.parse(first.startedAt)).toBe(finished.durationMs);
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

      it("records the server running a run and its lease, renews the lease, and refuses to renew an ended run", async () => {
        const { user, agent, conversation } = await conversationWithAgent();
        const firstLease = new Date(clock.now().getTime() + 30_000).toISOString();
        const run = await store.createRun({ conversationId: conversation.id, agentId: agent.id, ownerId: user.id, trigger: "chat", instanceId: "replica-1", leaseExpiresAt: firstLease });
        expect(await store.getRun(run.id)).toMatchObject({ instanceId: "replica-1", leaseExpiresAt: firstLease });
        const renewed = new Date(clock.now().getTime() + 60_000).toISOString();
        expect(await store.updateRun(run.id, { leaseExpiresAt: renewed })).toMatchObject({ status: "running", leaseExpiresAt: renewed });
        expect((await store.listUnfinishedRuns()).find((listed) => listed.id === run.id)).toMatchObject({ instanceId: "replica-1", leaseExpiresAt: renewed });
        await store.updateRun(run.id, { status: "complete" });
        await rejectsWith(store.updateRun(run.id, { leaseExpiresAt: renewed }), "conflict");
      });

      it("records what became of a finished run's webhook, keeps it on every read, and refuses a malformed one", async () => {
        const { user, agent, conversation } = await conversationWithAgent();
        const run = await store.createRun({ conversationId: conversation.id, agentId: agent.id, ownerId: user.id, trigger: "schedule", scheduleId: "sch_morning" });
        const finished = await store.updateRun(run.id, { status: "complete" });
        expect(finished.webhook).toBeUndefined();
        const refused = { outcome: "refused" as const, message: "The webhook was not sent: 127.0.0.1 is a private or local address.", at: clock.now().toISOString() };
        expect(await store.recordRunWebhook(run.id, refused)).toEqual({ ...finished, webhook: refused });
        expect(await store.getRun(run.id)).toEqual({ ...finished, webhook: refused });
        expect((await store.listRunsByAgent(agent.id)).find((listed) => listed.id === run.id)?.webhook).toEqual(refused);
        await rejectsWith(store.recordRunWebhook(run.id, { outcome: "lost", message: "?", at: refused.at } as never), "bad_request");
        await rejectsWith(store.recordRunWebhook(run.id, { ...refused, message: "" }), "bad_request");
        await rejectsWith(store.recordRunWebhook("missing", refused), "not_found");
        expect((await store.getRun(run.id)).webhook).toEqual(refused);
      });
    });

    describe("schedules", () => {
      const schedule = (overrides: Partial<Schedule> = {}): Schedule => ({
        id: "sch_morning",
        cron: "0 9 * * 1-5",
        timezone: "Europe/Paris",
        prompt: "Pull the numbers and update the chart.",
        enabled: true,
        missedRunPolicy: "skip",
        ...overrides,
      });

      it("keeps schedules in the agent and in its versions, and leaves them alone in edits that do not name them", async () => {
        const agent = await agentOf((await owner()).id);
        expect(agent.schedules).toEqual([]);
        const morning = schedule({ webhookUrl: "https://hooks.example.com/run" });
        const evening = schedule({ id: "sch_evening", cron: "30 18 * * *", missedRunPolicy: "catch_up_once", enabled: false });
        const scheduled = await store.updateAgent(agent.id, { schedules: [morning, evening], webhookSecret: "s".repeat(43) }, 1);
        expect(scheduled).toMatchObject({ version: 2, schedules: [morning, evening], webhookSecret: "s".repeat(43) });
        expect(await store.getAgent(agent.id)).toEqual(scheduled);

        const renamed = await store.updateAgent(agent.id, { name: "Reporter" }, 2);
        expect(renamed.schedules).toEqual([morning, evening]);
        // The same list again is no change, so no new version.
        expect(await store.updateAgent(agent.id, { schedules: [morning, evening] }, 3)).toEqual(renamed);

        const config = { name: renamed.name, description: renamed.description, instructions: renamed.instructions, model: renamed.model, schedules: renamed.schedules };
        const version = await store.addAgentVersion({ agentId: agent.id, version: 3, config, createdBy: agent.ownerId });
        expect(version.config.schedules).toEqual([morning, evening]);
        expect(await store.getAgentVersion(agent.id, 3)).toEqual(version);
        expect((await store.listAgentVersions(agent.id))[0]).toEqual(version);

        // Restoring an earlier config (what rollback does) brings its schedules back exactly.
        const cleared = await store.updateAgent(agent.id, { schedules: [] }, 3);
        expect(cleared.schedules).toEqual([]);
        const restored = await store.updateAgent(agent.id, { schedules: (await store.getAgentVersion(agent.id, 3)).config.schedules }, cleared.version);
        expect(restored.schedules).toEqual([morning, evening]);
        expect((await store.getAgent(agent.id)).schedules).toEqual([morning, evening]);
      });

      it("lists exactly the agents with an enabled schedule, by id, page by page", async () => {
        const user = await owner();
        const enabled = [];
        for (let index = 0; index < 3; index += 1) {
          const agent = await agentOf(user.id, { name: `Scheduled ${index}` });
          enabled.push(await store.updateAgent(agent.id, { schedules: [schedule(), schedule({ id: "sch_off", enabled: false })] }, 1));
        }
        const paused = await agentOf(user.id, { name: "Paused" });
        await store.updateAgent(paused.id, { schedules: [schedule({ enabled: false })] }, 1);
        await agentOf(user.id, { name: "Unscheduled" });
        const byId = [...enabled].sort((a, b) => (a.id < b.id ? -1 : 1));

        expect(await store.listAgentsWithEnabledSchedules()).toEqual(byId);
        const firstPage = await store.listAgentsWithEnabledSchedules({ limit: 2 });
        expect(firstPage).toEqual(byId.slice(0, 2));
        expect(await store.listAgentsWithEnabledSchedules({ afterId: firstPage[1]!.id })).toEqual(byId.slice(2));

        // Switching the last enabled schedule off (or deleting the agent) takes it off the list.
        const [first, second] = byId;
        await store.updateAgent(first!.id, { schedules: first!.schedules.map((entry) => ({ ...entry, enabled: false })) }, first!.version);
        await store.deleteAgent(second!.id);
        expect((await store.listAgentsWithEnabledSchedules()).map((agent) => agent.id)).toEqual([byId[2]!.id]);
        const resumed = await store.updateAgent(paused.id, { schedules: [schedule()] }, 2);
        expect((await store.listAgentsWithEnabledSchedules()).map((agent) => agent.id).sort()).toEqual([byId[2]!.id, resumed.id].sort());
        await rejectsWith(store.listAgentsWithEnabledSchedules({ afterId: "a/b" }), "bad_request");
      });

      it("refuses bad schedules and changes nothing", async () => {
        const agent = await store.updateAgent((await agentOf((await owner()).id)).id, { schedules: [schedule()] }, 1);
        const bad: unknown[] = [
          [schedule({ cron: "0 9 * *" })],
          [schedule({ prompt: "" })],
          [schedule({ webhookUrl: "ftp://example.com" })],
          [{ ...schedule(), missedRunPolicy: "whenever" }],
          [{ ...schedule(), id: undefined }],
          Array.from({ length: 11 }, (_, index) => schedule({ id: `sch_${index}` })),
        ];
        for (const schedules of bad) await rejectsWith(store.updateAgent(agent.id, { schedules } as never, agent.version), "bad_request");
        expect(await store.getAgent(agent.id)).toEqual(agent);
      });

      it("pins a share to a version and clears the pin with null or by going private", async () => {
        const agent = await agentOf((await owner()).id);
        const pinned = await store.updateAgent(agent.id, { visibility: "link", sharedVersion: 1 }, 1);
        expect(pinned.sharedVersion).toBe(1);
        expect(await store.findAgentByShareToken(pinned.shareToken!)).toEqual(pinned);
        const edited = await store.updateAgent(agent.id, { instructions: "Newer" }, pinned.version);
        expect(edited.sharedVersion).toBe(1);
        const following = await store.updateAgent(agent.id, { sharedVersion: null }, edited.version);
        expect(following.sharedVersion).toBeUndefined();
        expect(await store.getAgent(agent.id)).toEqual(following);

        const again = await store.updateAgent(agent.id, { sharedVersion: 2 }, following.version);
        const hidden = await store.updateAgent(agent.id, { visibility: "private" }, again.version);
        expect(hidden.sharedVersion).toBeUndefined();
        await rejectsWith(store.updateAgent(agent.id, { sharedVersion: 0 }, hidden.version), "bad_request");
        expect(await store.getAgent(agent.id)).toEqual(hidden);
      });

      it("reads agents and versions stored before schedules existed as having none", async () => {
        const user = await owner();
        const at = clock.now().toISOString();
        const id = `legacy-${randomBytes(4).toString("hex")}`;
        const config = { name: "Old timer", description: "", instructions: "From the old days.", model: "claude-sonnet-4-5" };
        await writeLegacy({
          agent: { id, ownerId: user.id, name: config.name, instructions: config.instructions, at },
          version: { agentId: id, version: 1, config, createdBy: user.id, at },
        });

        const agent = await store.getAgent(id);
        expect(agent).toMatchObject({ name: "Old timer", schedules: [], version: 1 });
        expect(agent.sharedVersion).toBeUndefined();
        expect(agent.webhookSecret).toBeUndefined();
        expect(await store.getAgentVersion(id, 1)).toMatchObject({ config: { ...config, schedules: [] } });
        expect((await store.listAgentVersions(id))[0]?.config.schedules).toEqual([]);
        expect(await store.listAgentsWithEnabledSchedules()).toEqual([]);

        const scheduled = await store.updateAgent(id, { schedules: [schedule()] }, 1);
        expect((await store.listAgentsWithEnabledSchedules()).map((entry) => entry.id)).toEqual([scheduled.id]);
      });

      it("records which schedule started a run", async () => {
        const { user, agent, conversation } = await conversationWithAgent();
        const run = await store.createRun({ conversationId: conversation.id, agentId: agent.id, ownerId: user.id, trigger: "schedule", scheduleId: "sch_morning" });
        expect(run).toMatchObject({ trigger: "schedule", scheduleId: "sch_morning", status: "running" });
        expect(await store.getRun(run.id)).toEqual(run);
        const chat = await store.createRun({ conversationId: conversation.id, agentId: agent.id, ownerId: user.id, trigger: "chat" });
        expect(chat.scheduleId).toBeUndefined();
      });
    });

    describe("schedule fires", () => {
      const slot = (minute: number) => new Date(Date.UTC(2026, 0, 5, 9, minute)).toISOString();

      async function scheduledAgent() {
        const user = await owner();
        const agent = await agentOf(user.id);
        return { user, agent, fire: (scheduleId: string, at: string, claimedBy = "server-a") => ({ agentId: agent.id, scheduleId, ownerId: user.id, slot: at, claimedBy }) };
      }

      it("lets exactly one claim of a slot through: the second gets null", async () => {
        const { agent, fire } = await scheduledAgent();
        const claimed = await store.claimScheduleFire(fire("sch_a", slot(0)));
        expect(claimed).toMatchObject({
          id: `${agent.id}_sch_a_${Date.parse(slot(0))}`,
          status: "claimed",
          claimedBy: "server-a",
          slot: slot(0),
        });
        expect(claimed?.finishedAt).toBeUndefined();
        expect(await store.claimScheduleFire(fire("sch_a", slot(0), "server-b"))).toBeNull();
        expect(await store.listScheduleFires(agent.id)).toEqual([claimed]);

        // Several servers at once: one winner, the rest null, one record.
        const racers = await Promise.all(["s1", "s2", "s3", "s4", "s5"].map((server) => store.claimScheduleFire(fire("sch_a", slot(1), server))));
        const winners = racers.filter((result) => result !== null);
        expect(winners).toHaveLength(1);
        const fires = await store.listScheduleFires(agent.id);
        expect(fires).toHaveLength(2);
        expect(fires[0]).toEqual(winners[0]);
      });

      it("records a skipped slot as finished in one write, and refuses claims for missing agents or bad input", async () => {
        const { agent, fire } = await scheduledAgent();
        const skipped = await store.claimScheduleFire({ ...fire("sch_a", slot(2)), status: "skipped", reason: "Missed while the server was down." });
        expect(skipped).toMatchObject({ status: "skipped", reason: "Missed while the server was down." });
        expect(skipped?.finishedAt).toBe(skipped?.claimedAt);
        await rejectsWith(store.claimScheduleFire({ ...fire("sch_a", slot(3)), agentId: "missing" }), "not_found");
        await rejectsWith(store.claimScheduleFire({ ...fire("sch_a", slot(3)), slot: "tomorrow" }), "bad_request");
        await rejectsWith(store.claimScheduleFire({ ...fire("sch_a", slot(3)), status: "complete" } as never), "bad_request");
        await rejectsWith(store.claimScheduleFire({ ...fire("sch_a", slot(3)), ownerId: "" }), "bad_request");
        expect(await store.listScheduleFires(agent.id)).toEqual([skipped]);
      });

      it("follows a fire from claimed to running to finished, then keeps it as it was", async () => {
        const { user, agent, fire } = await scheduledAgent();
        const claimed = (await store.claimScheduleFire(fire("sch_a", slot(0))))!;
        const conversation = await store.createConversation({ agentId: agent.id, ownerId: user.id });
        const run = await store.createRun({ conversationId: conversation.id, agentId: agent.id, ownerId: user.id, trigger: "schedule", scheduleId: "sch_a" });
        const running = await store.updateScheduleFire(claimed.id, { status: "running", runId: run.id, conversationId: conversation.id });
        expect(running).toEqual({ ...claimed, status: "running", runId: run.id, conversationId: conversation.id });
        clock.advance(5_000);
        const done = await store.updateScheduleFire(claimed.id, { status: "complete" });
        expect(done.status).toBe("complete");
        expect(Date.parse(done.finishedAt!) - Date.parse(claimed.claimedAt)).toBeGreaterThanOrEqual(5_000);
        expect(await store.latestScheduleFire(agent.id, "sch_a")).toEqual(done);

        await rejectsWith(store.updateScheduleFire(claimed.id, { status: "failed" }), "conflict");
        await rejectsWith(store.updateScheduleFire(claimed.id, { slot: slot(9) } as never), "bad_request");
        expect(await store.latestScheduleFire(agent.id, "sch_a")).toEqual(done);
        await rejectsWith(store.updateScheduleFire("missing", { status: "failed" }), "not_found");
      });

      it("lists an agent's fires newest slot first and finds each schedule's latest", async () => {
        const { agent, fire } = await scheduledAgent();
        const other = await scheduledAgent();
        // Claimed out of order: the order is the slots', not the claims'.
        const middle = await store.claimScheduleFire(fire("sch_a", slot(10)));
        const newest = await store.claimScheduleFire(fire("sch_b", slot(20)));
        const oldest = await store.claimScheduleFire(fire("sch_a", slot(5)));
        await store.claimScheduleFire(other.fire("sch_a", slot(30)));

        expect(await store.listScheduleFires(agent.id)).toEqual([newest, middle, oldest]);
        expect(await store.listScheduleFires(agent.id, { limit: 2 })).toEqual([newest, middle]);
        expect(await store.latestScheduleFire(agent.id, "sch_a")).toEqual(middle);
        expect(await store.latestScheduleFire(agent.id, "sch_b")).toEqual(newest);
        expect(await store.latestScheduleFire(agent.id, "sch_never")).toBeNull();
        await rejectsWith(store.listScheduleFires(agent.id, { limit: 501 }), "bad_request");
      });

      it("deletes an agent's fires with the agent and keeps everyone else's", async () => {
        const { agent, fire } = await scheduledAgent();
        const other = await scheduledAgent();
        await store.claimScheduleFire(fire("sch_a", slot(0)));
        await store.claimScheduleFire(fire("sch_b", slot(1)));
        const kept = await store.claimScheduleFire(other.fire("sch_a", slot(0)));

        await store.deleteAgent(agent.id);
        expect(await store.listScheduleFires(agent.id)).toEqual([]);
        expect(await store.latestScheduleFire(agent.id, "sch_a")).toBeNull();
        expect(await store.listScheduleFires(other.agent.id)).toEqual([kept]);
      });
    });

    describe("notifications", () => {
      it("lists a person's notifications newest first, unread or all, and marks them read", async () => {
        const ada = await owner();
        const grace = await owner("Grace");
        const first = await store.createNotification({ userId: ada.id, kind: "run_complete", title: "Morning report finished", body: "3 files", agentId: "agent-1" });
        const second = await store.createNotification({ userId: ada.id, kind: "run_failed", title: "Morning report failed" });
        const third = await store.createNotification({ userId: ada.id, kind: "run_interrupted", title: "Stopped", runId: "run-1", conversationId: "conv-1" });
        const graces = await store.createNotification({ userId: grace.id, kind: "run_complete", title: "Grace's" });
        expect(first).toMatchObject({ userId: ada.id, kind: "run_complete", body: "3 files", agentId: "agent-1" });
        expect(second.body).toBe("");
        expect(first.readAt).toBeUndefined();

        expect(await store.listNotifications(ada.id)).toEqual([third, second, first]);
        expect(await store.listNotifications(ada.id, { limit: 1 })).toEqual([third]);
        expect(await store.listNotifications(ada.id, { unreadOnly: true })).toEqual([third, second, first]);

        // Someone else's id is not Ada's to mark; an already read one does not count twice.
        expect(await store.markNotificationsRead(ada.id, [second.id, graces.id, "missing"])).toBe(1);
        expect(await store.markNotificationsRead(ada.id, [second.id])).toBe(0);
        expect(await store.markNotificationsRead(ada.id, [])).toBe(0);
        const unread = await store.listNotifications(ada.id, { unreadOnly: true });
        expect(unread).toEqual([third, first]);
        const all = await store.listNotifications(ada.id);
        expect(all[1]).toMatchObject({ id: second.id, readAt: expect.any(String) });

        expect(await store.markNotificationsRead(ada.id)).toBe(2);
        expect(await store.markNotificationsRead(ada.id)).toBe(0);
        expect(await store.listNotifications(ada.id, { unreadOnly: true })).toEqual([]);
        expect((await store.listNotifications(ada.id)).every((notification) => notification.readAt !== undefined)).toBe(true);
        expect(await store.listNotifications(grace.id, { unreadOnly: true })).toEqual([graces]);
      });

      it("refuses malformed notifications and id lists", async () => {
        const ada = await owner();
        await rejectsWith(store.createNotification({ userId: ada.id, kind: "party", title: "?" } as never), "bad_request");
        await rejectsWith(store.createNotification({ userId: ada.id, kind: "run_complete", title: "" }), "bad_request");
        await rejectsWith(store.markNotificationsRead(ada.id, ["a/b"]), "bad_request");
        await rejectsWith(store.markNotificationsRead(ada.id, "all" as never), "bad_request");
        expect(await store.listNotifications(ada.id)).toEqual([]);
      });

      it("moves a guest's notifications and schedule fires to the account it merges into", async () => {
        const guest = await store.createUser({ type: "guest" });
        const member = await owner();
        const agent = await agentOf(guest.id);
        const fire = await store.claimScheduleFire({ agentId: agent.id, scheduleId: "sch_a", ownerId: guest.id, slot: "2026-01-05T09:00:00.000Z", claimedBy: "s" });
        const note = await store.createNotification({ userId: guest.id, kind: "run_complete", title: "Done" });
        await store.mergeUser(guest.id, member.id);
        expect(await store.listNotifications(member.id)).toEqual([{ ...note, userId: member.id }]);
        expect(await store.listNotifications(guest.id)).toEqual([]);
        expect(await store.listScheduleFires(agent.id)).toEqual([{ ...fire, ownerId: member.id }]);
      });
    });
  });
}

describeStoreContract("SQLite", async (options) => {
  const dir = await mkdtemp(path.join(tmpdir(), "store-contract-"));
  const file = path.join(dir, "platform.sqlite");
  const store = createSqliteStore({ ...options, file });
  const writeLegacy = async ({ agent, version }: LegacyRecords) => {
    const db = new Database(file);
    try {
      db.prepare(
        `INSERT INTO agents (id, owner_id, name, description, instructions, model, visibility, created_at, updated_at, last_activity_at, version)
         VALUES (?, ?, ?, '', ?, 'claude-sonnet-4-5', 'private', ?, ?, ?, 1)`,
      ).run(agent.id, agent.ownerId, agent.name, agent.instructions, agent.at, agent.at, agent.at);
      db.prepare("INSERT INTO agent_versions (agent_id, version, config, created_at, created_by) VALUES (?, ?, ?, ?, ?)").run(
        version.agentId,
        version.version,
        JSON.stringify(version.config),
        version.at,
        version.createdBy,
      );
    } finally {
      db.close();
    }
  };
  return { store, discard: () => rm(dir, { recursive: true, force: true }), writeLegacy };
});

describe("SQLite database from the release before schedules", () => {
  it("is upgraded in place on open, keeping every record", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "store-upgrade-"));
    const file = path.join(dir, "platform.sqlite");
    try {
      // The previous release's schema, with its data, exactly as it left the file.
      const old = new Database(file);
      for (const migration of sqliteMigrations.slice(0, 2)) old.exec(migration);
      old.pragma("user_version = 2");
      const at = "2025-12-01T10:00:00.000Z";
      old.prepare("INSERT INTO users (id, type, name, created_at) VALUES ('u1', 'google', 'Ada', ?)").run(at);
      old.prepare(
        `INSERT INTO agents (id, owner_id, name, description, instructions, model, visibility, share_token, created_at, updated_at, last_activity_at, version)
         VALUES ('a1', 'u1', 'Analyst', 'Sales', 'Be brief.', 'claude-sonnet-4-5', 'link', 'tok1', ?, ?, ?, 2)`,
      ).run(at, at, at);
      const oldConfig = { name: "Analyst", description: "Sales", instructions: "Be brief.", model: "claude-sonnet-4-5" };
      old.prepare("INSERT INTO agent_versions (agent_id, version, config, created_at, created_by) VALUES ('a1', 2, ?, ?, 'u1')").run(JSON.stringify(oldConfig), at);
      old.prepare("INSERT INTO conversations (id, agent_id, owner_id, title, claude_session_id, status, last_seq, created_at, updated_at) VALUES ('c1', 'a1', 'u1', 'Chat', 's1', 'idle', 1, ?, ?)").run(at, at);
      old.prepare("INSERT INTO messages (id, conversation_id, seq, role, content, status, created_at, updated_at) VALUES ('m1', 'c1', 1, 'user', ?, 'complete', ?, ?)").run(
        JSON.stringify(text("hello")),
        at,
        at,
      );
      old.prepare("INSERT INTO runs (id, conversation_id, agent_id, owner_id, trigger, status, started_at) VALUES ('r1', 'c1', 'a1', 'u1', 'chat', 'complete', ?)").run(at);
      old.close();

      const store = createSqliteStore({ file });
      try {
        expect(await store.getAgent("a1")).toMatchObject({ name: "Analyst", shareToken: "tok1", version: 2, schedules: [] });
        expect((await store.getAgentVersion("a1", 2)).config).toEqual({ ...oldConfig, schedules: [] });
        expect((await store.listMessages("c1"))[0]?.content).toEqual(text("hello"));
        expect(await store.getRun("r1")).toMatchObject({ status: "complete", trigger: "chat" });
        expect(await store.getUser("u1")).toMatchObject({ name: "Ada" });
        // And the new parts work on the upgraded file.
        const schedule: Schedule = { id: "sch_1", cron: "0 9 * * *", timezone: "UTC", prompt: "Go", enabled: true, missedRunPolicy: "skip" };
        await store.updateAgent("a1", { schedules: [schedule] }, 2);
        expect((await store.listAgentsWithEnabledSchedules()).map((agent) => agent.id)).toEqual(["a1"]);
        expect(await store.claimScheduleFire({ agentId: "a1", scheduleId: "sch_1", ownerId: "u1", slot: at, claimedBy: "s" })).not.toBeNull();
        await store.createNotification({ userId: "u1", kind: "run_complete", title: "Done" });
      } finally {
        await store.close();
      }
      // Opening it again (a restart) applies nothing twice.
      const reopened = createSqliteStore({ file });
      expect((await reopened.getAgent("a1")).schedules).toHaveLength(1);
      await reopened.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("Firestore emulator", () => {
  const emulator = useFirestoreEmulator();

  describeStoreContract("Firestore", async (options) => {
    // A project per test: tests never see each other's documents.
    const projectId = `demo-contract-${randomBytes(6).toString("hex")}`;
    const store = createFirestoreStore({ ...options, projectId });
    // A separate client writes old-format documents straight into the same project.
    const legacyApp = initializeApp({ projectId }, `legacy-writer-${projectId}`);
    const discard = async () => {
      await deleteApp(legacyApp);
      await clearEmulatorProject(emulator.host(), projectId);
    };
    const writeLegacy = async ({ agent, version }: LegacyRecords) => {
      const db = getFirestore(legacyApp);
      await db.collection("agents").doc(agent.id).create({
        id: agent.id,
        ownerId: agent.ownerId,
        name: agent.name,
        description: "",
        instructions: agent.instructions,
        model: "claude-sonnet-4-5",
        visibility: "private",
        createdAt: agent.at,
        updatedAt: agent.at,
        lastActivityAt: agent.at,
        version: 1,
      });
      await db.collection("agents").doc(version.agentId).collection("versions").doc(String(version.version)).create({
        agentId: version.agentId,
        version: version.version,
        config: version.config,
        createdAt: version.at,
        createdBy: version.createdBy,
      });
    };
    return { store, discard, writeLegacy };
  });
});

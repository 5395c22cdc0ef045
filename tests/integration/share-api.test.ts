import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as getSharingRoute, PATCH as patchSharingRoute } from "@/app/api/agents/[id]/share/route";
import { GET as getSharedRoute } from "@/app/api/share/[token]/route";
import { POST as useSharedRoute } from "@/app/api/share/[token]/use/route";
import type { UpdateAgentBody } from "@/lib/agent-api";
import type { ErrorPayload } from "@/lib/errors";
import type { ContentBlock } from "@/lib/records";
import type { SharedAgentResponse, SharingResponse, UpdateSharingBody, UseSharedAgentResponse } from "@/lib/share-api";
import type { PlatformStore } from "@/server/store/store";
import { apiRequest, createAgentOk, idParams, readJson, routeParams, startRestApi, updateAgentOk, type RestApi, type RestGuest } from "./support/rest-client";

/*
 * Sharing an agent by link on a real SQLite store, through the exported route handlers the way
 * Next calls them: the owner's controls, the public read without a session, and "Use this agent".
 */

/** A webhook secret is 32 random bytes, base64url. */
const webhookSecretFormat = /^[A-Za-z0-9_-]{43}$/;

let api: RestApi;
let store: PlatformStore;
let owner: RestGuest;
let visitor: RestGuest;

beforeAll(async () => {
  api = await startRestApi({ name: "share-api", env: { DEFAULT_MODEL: "claude-test-model" } });
  store = api.store;
  owner = await api.newGuest();
  visitor = await api.newGuest();
});

afterAll(async () => {
  await api.close();
});

const tokenParams = (token: string) => routeParams({ token });

function createAgent(token: string, templateId = "python-tutor") {
  return createAgentOk(token, { templateId });
}

async function conversationWith(agentId: string, ownerId: string, title: string, exchange: [string, ContentBlock[]]) {
  const conversation = await store.createConversation({ agentId, ownerId, title });
  await store.appendMessage({ conversationId: conversation.id, role: "user", content: [{ type: "text", text: exchange[0] }] });
  await store.appendMessage({ conversationId: conversation.id, role: "assistant", content: exchange[1], costUsd: 0.0123 });
  return conversation;
}

function share(token: string, agentId: string, body: UpdateSharingBody) {
  return patchSharingRoute(apiRequest(token, `/agents/${agentId}/share`, { method: "PATCH", body }), idParams(agentId));
}

async function shareOk(token: string, agentId: string, body: UpdateSharingBody): Promise<SharingResponse> {
  const response = await share(token, agentId, body);
  expect(response.status).toBe(200);
  return readJson<SharingResponse>(response);
}

function editAgent(agentId: string, body: UpdateAgentBody) {
  return updateAgentOk(owner.token, agentId, body);
}

function readShared(shareToken: string) {
  return getSharedRoute(apiRequest(null, `/share/${shareToken}`), tokenParams(shareToken));
}

function tokenOf(shareUrl: string | null): string {
  // The store makes a share token from 16 random bytes, base64url.
  expect(shareUrl).toMatch(/^http:\/\/localhost\/share\/[A-Za-z0-9_-]{22}$/);
  return shareUrl!.split("/").pop()!;
}

describe("sharing an agent by link", () => {
  it("shows the agent and the chosen conversation to anyone with the link, without a session", async () => {
    const agent = await createAgent(owner.token);
    const chosen = await conversationWith(agent.id, owner.userId, "Sum of 1 to 100", [
      "compute the sum of 1 to 100 in Python",
      [
        { type: "tool_use", id: "tool-1", name: "Bash", input: { command: "python3 -c 'print(sum(range(1, 101)))'" } },
        { type: "tool_result", toolUseId: "tool-1", output: "5050", isError: false },
        { type: "image", path: "/workspace/agent-x/plots/sum.png", mimeType: "image/png" },
        { type: "file", path: "/workspace/agent-x/secret.csv", mimeType: "text/csv" },
        { type: "text", text: "The sum is 5050." },
      ],
    ]);
    await conversationWith(agent.id, owner.userId, "Private chat", ["my salary is 12345", [{ type: "text", text: "Noted: 12345." }]]);

    const { agent: shared, shareUrl } = await shareOk(owner.token, agent.id, {
      visibility: "link",
      sharedConversationId: chosen.id,
      expectedVersion: agent.version,
    });
    expect(shared).toMatchObject({ visibility: "link", sharedConversationId: chosen.id, version: agent.version + 1 });
    // The sharing change has its version snapshot like any edit, so the history has no gaps.
    expect((await store.listAgentVersions(agent.id)).map((version) => version.version)).toEqual([2, 1]);

    const response = await readShared(tokenOf(shareUrl));
    expect(response.status).toBe(200);
    const { shared: page } = await readJson<SharedAgentResponse>(response);
    expect(page).toMatchObject({ name: agent.name, description: agent.description, instructions: agent.instructions, model: agent.model, visibility: "link" });
    expect(page.transcript?.title).toBe("Sum of 1 to 100");
    expect(page.transcript?.messages.map((message) => message.role)).toEqual(["user", "assistant"]);
    expect(page.transcript?.messages[1]?.content).toEqual([
      { type: "tool_use", id: "tool-1", name: "Bash", input: { command: "python3 -c 'print(sum(range(1, 101)))'" } },
      { type: "tool_result", toolUseId: "tool-1", output: "5050", isError: false },
      { type: "image", path: "sum.png", mimeType: "image/png" },
      { type: "text", text: "The sum is 5050." },
    ]);

    // Nothing that names the owner, their other chats, their files or what the chat cost.
    const text = JSON.stringify(page);
    for (const secret of [owner.userId, agent.id, chosen.id, "12345", "Private chat", "/workspace", "secret.csv", "0.0123"]) {
      expect(text).not.toContain(secret);
    }
  });

  it("lets the owner change which conversation shows, or show none", async () => {
    const agent = await createAgent(owner.token);
    const first = await conversationWith(agent.id, owner.userId, "First", ["one", [{ type: "text", text: "first-reply-marker" }]]);
    const second = await conversationWith(agent.id, owner.userId, "Second", ["two", [{ type: "text", text: "second-reply-marker" }]]);
    const v1 = await shareOk(owner.token, agent.id, { visibility: "public", sharedConversationId: first.id, expectedVersion: agent.version });
    const shareToken = tokenOf(v1.shareUrl);

    const v2 = await shareOk(owner.token, agent.id, { visibility: "public", sharedConversationId: second.id, expectedVersion: v1.agent.version });
    expect(tokenOf(v2.shareUrl)).toBe(shareToken);
    const switched = JSON.stringify(await readJson<SharedAgentResponse>(await readShared(shareToken)));
    expect(switched).toContain("second-reply-marker");
    expect(switched).not.toContain("first-reply-marker");

    await shareOk(owner.token, agent.id, { visibility: "public", sharedConversationId: null, expectedVersion: v2.agent.version });
    const none = await readJson<SharedAgentResponse>(await readShared(shareToken));
    expect(none.shared.transcript).toBeNull();
    expect(JSON.stringify(none)).not.toContain("reply-marker");
  });

  it("refuses a conversation that is not the owner's own chat with this agent", async () => {
    const agent = await createAgent(owner.token);
    const otherAgent = await createAgent(owner.token);
    const elsewhere = await conversationWith(otherAgent.id, owner.userId, "Other agent", ["x", [{ type: "text", text: "y" }]]);
    const visitorsChat = await conversationWith(agent.id, visitor.userId, "Visitor", ["x", [{ type: "text", text: "y" }]]);
    for (const sharedConversationId of [elsewhere.id, visitorsChat.id, "no-such-conversation"]) {
      const response = await share(owner.token, agent.id, { visibility: "link", sharedConversationId, expectedVersion: agent.version });
      expect(response.status).toBe(400);
      expect((await readJson<{ error: ErrorPayload }>(response)).error.issues?.[0]?.path).toBe("sharedConversationId");
    }
    expect(await store.getAgent(agent.id)).toMatchObject({ visibility: "private", version: agent.version });
  });

  it("answers 404 for a private agent's old link, and a revoked link stays dead after sharing again", async () => {
    const agent = await createAgent(owner.token);
    const shared = await shareOk(owner.token, agent.id, { visibility: "link", expectedVersion: agent.version });
    const oldToken = tokenOf(shared.shareUrl);
    expect((await readShared(oldToken)).status).toBe(200);

    const revoked = await shareOk(owner.token, agent.id, { visibility: "private", expectedVersion: shared.agent.version });
    expect(revoked.shareUrl).toBeNull();
    expect(revoked.agent.shareToken).toBeUndefined();
    const gone = await readShared(oldToken);
    expect(gone.status).toBe(404);
    expect((await readJson<{ error: ErrorPayload }>(gone)).error).toMatchObject({ code: "not_found", message: expect.stringMatching(/revoked/) });
    expect((await useSharedRoute(apiRequest(visitor.token, `/share/${oldToken}/use`, { method: "POST" }), tokenParams(oldToken))).status).toBe(404);

    const reshared = await shareOk(owner.token, agent.id, { visibility: "link", expectedVersion: revoked.agent.version });
    const newToken = tokenOf(reshared.shareUrl);
    expect(newToken).not.toBe(oldToken);
    expect((await readShared(newToken)).status).toBe(200);
    expect((await readShared(oldToken)).status).toBe(404);
    expect((await readShared("never-existed")).status).toBe(404);
    expect((await readShared("../etc")).status).toBe(404);
  });

  it("drops the chosen conversation when made private, so sharing again shows none until chosen", async () => {
    const agent = await createAgent(owner.token);
    const chat = await conversationWith(agent.id, owner.userId, "Chat", ["q", [{ type: "text", text: "a" }]]);
    const shared = await shareOk(owner.token, agent.id, { visibility: "link", sharedConversationId: chat.id, expectedVersion: agent.version });
    const revoked = await shareOk(owner.token, agent.id, { visibility: "private", expectedVersion: shared.agent.version });
    expect(revoked.agent.sharedConversationId).toBeUndefined();
    const again = await shareOk(owner.token, agent.id, { visibility: "link", expectedVersion: revoked.agent.version });
    expect((await readJson<SharedAgentResponse>(await readShared(tokenOf(again.shareUrl)))).shared.transcript).toBeNull();
  });

  it("shows no transcript once the chosen conversation is deleted", async () => {
    const agent = await createAgent(owner.token);
    const chat = await conversationWith(agent.id, owner.userId, "Soon gone", ["q", [{ type: "text", text: "a" }]]);
    const shared = await shareOk(owner.token, agent.id, { visibility: "link", sharedConversationId: chat.id, expectedVersion: agent.version });
    await store.deleteConversation(chat.id);
    const response = await readShared(tokenOf(shared.shareUrl));
    expect(response.status).toBe(200);
    expect((await readJson<SharedAgentResponse>(response)).shared.transcript).toBeNull();
  });

  it("lets only the owner see or change sharing: anyone else gets 404, and without a session 401", async () => {
    const agent = await createAgent(owner.token);
    const chat = await conversationWith(agent.id, owner.userId, "Chat", ["q", [{ type: "text", text: "a" }]]);
    const asVisitor = await share(visitor.token, agent.id, { visibility: "public", sharedConversationId: chat.id, expectedVersion: agent.version });
    expect(asVisitor.status).toBe(404);
    expect((await getSharingRoute(apiRequest(visitor.token, `/agents/${agent.id}/share`), idParams(agent.id))).status).toBe(404);
    expect((await share("", agent.id, { visibility: "public", expectedVersion: agent.version })).status).toBe(401);
    expect(await store.getAgent(agent.id)).toMatchObject({ visibility: "private", version: agent.version });
    expect((await store.getAgent(agent.id)).shareToken).toBeUndefined();

    const mine = await getSharingRoute(apiRequest(owner.token, `/agents/${agent.id}/share`), idParams(agent.id));
    expect(mine.status).toBe(200);
    expect(await readJson<SharingResponse>(mine)).toMatchObject({ agent: { id: agent.id, visibility: "private" }, shareUrl: null });
  });

  it("answers a stale sharing change with 409 and a bad body with 400", async () => {
    const agent = await createAgent(owner.token);
    await shareOk(owner.token, agent.id, { visibility: "link", expectedVersion: agent.version });
    const stale = await share(owner.token, agent.id, { visibility: "public", expectedVersion: agent.version });
    expect(stale.status).toBe(409);
    const bad = await share(owner.token, agent.id, { visibility: "everyone", expectedVersion: 2 } as never);
    expect(bad.status).toBe(400);
    expect((await readJson<{ error: ErrorPayload }>(bad)).error.issues?.[0]?.path).toBe("visibility");
  });
});

describe("using a shared agent", () => {
  it("copies the agent into the visitor's account, with copiedFrom and nothing of the owner's", async () => {
    const agent = await createAgent(owner.token, "chart-maker");
    const chat = await conversationWith(agent.id, owner.userId, "Chat", ["q", [{ type: "text", text: "a" }]]);
    const { shareUrl } = await shareOk(owner.token, agent.id, { visibility: "link", sharedConversationId: chat.id, expectedVersion: agent.version });
    const shareToken = tokenOf(shareUrl);

    expect((await useSharedRoute(apiRequest(null, `/share/${shareToken}/use`, { method: "POST" }), tokenParams(shareToken))).status).toBe(401);

    const response = await useSharedRoute(apiRequest(visitor.token, `/share/${shareToken}/use`, { method: "POST" }), tokenParams(shareToken));
    expect(response.status).toBe(201);
    const { agent: copy } = await readJson<UseSharedAgentResponse>(response);
    expect(copy).toMatchObject({
      ownerId: visitor.userId,
      name: agent.name,
      description: agent.description,
      instructions: agent.instructions,
      model: agent.model,
      copiedFrom: agent.id,
      visibility: "private",
      version: 1,
      status: "idle",
    });
    expect(copy.id).not.toBe(agent.id);
    expect(copy.shareToken).toBeUndefined();
    expect(copy.sharedConversationId).toBeUndefined();
    expect(await store.listConversationsByAgent(copy.id)).toEqual([]);
    expect((await store.listAgentVersions(copy.id)).map((version) => version.createdBy)).toEqual([visitor.userId]);
    expect((await store.listAgentsByOwner(visitor.userId)).map((mine) => mine.id)).toContain(copy.id);
    // The owner's agent is untouched.
    expect((await store.getAgent(agent.id)).ownerId).toBe(owner.userId);
  });

  it("lets the owner copy their own shared agent, named as a copy", async () => {
    const agent = await createAgent(owner.token, "data-cleaner");
    const { shareUrl } = await shareOk(owner.token, agent.id, { visibility: "public", expectedVersion: agent.version });
    const shareToken = tokenOf(shareUrl);
    const response = await useSharedRoute(apiRequest(owner.token, `/share/${shareToken}/use`, { method: "POST" }), tokenParams(shareToken));
    expect(response.status).toBe(201);
    const { agent: copy } = await readJson<UseSharedAgentResponse>(response);
    expect(copy).toMatchObject({ ownerId: owner.userId, name: `${agent.name} (copy)`, copiedFrom: agent.id });
  });
});

describe("pinning a share link to a version", () => {
  const schedule = {
    cron: "0 9 * * 1-5",
    timezone: "Europe/Paris",
    prompt: "owner-only-schedule-prompt",
    enabled: true,
    missedRunPolicy: "skip" as const,
    webhookUrl: "https://hooks.example.com/owner-only-webhook",
  };

  it("shows the pinned version after later edits, copies it without schedules, and follows the latest again when unpinned", async () => {
    const agent = await createAgent(owner.token);
    const pinnedConfig = await editAgent(agent.id, { instructions: "Pinned instructions.", model: "claude-pinned-model", schedules: [schedule], expectedVersion: 1 });
    const { agent: shared, shareUrl } = await shareOk(owner.token, agent.id, { visibility: "link", pinnedVersion: pinnedConfig.version, expectedVersion: pinnedConfig.version });
    expect(shared.sharedVersion).toBe(pinnedConfig.version);
    await editAgent(agent.id, { name: "Renamed later", instructions: "Later instructions.", expectedVersion: shared.version });
    const shareToken = tokenOf(shareUrl);

    const { shared: page } = await readJson<SharedAgentResponse>(await readShared(shareToken));
    expect(page).toMatchObject({ name: agent.name, instructions: "Pinned instructions.", model: "claude-pinned-model", pinnedVersion: pinnedConfig.version });
    const secret = (await store.getAgent(agent.id)).webhookSecret!;
    expect(secret).toMatch(webhookSecretFormat);
    const visible = JSON.stringify(page);
    for (const hidden of ["Later instructions.", "Renamed later", "owner-only-schedule-prompt", "owner-only-webhook", secret, "sch_"]) expect(visible).not.toContain(hidden);
    expect(page).not.toHaveProperty("schedules");

    const used = await useSharedRoute(apiRequest(visitor.token, `/share/${shareToken}/use`, { method: "POST" }), tokenParams(shareToken));
    expect(used.status).toBe(201);
    const { agent: copy } = await readJson<UseSharedAgentResponse>(used);
    expect(copy).toMatchObject({ ownerId: visitor.userId, name: agent.name, instructions: "Pinned instructions.", model: "claude-pinned-model", schedules: [] });
    const storedCopy = await store.getAgent(copy.id);
    expect(storedCopy.schedules).toEqual([]);
    expect(storedCopy.webhookSecret).toBeUndefined();
    expect((await store.listAgentsWithEnabledSchedules()).map((entry) => entry.id)).not.toContain(copy.id);

    const latest = await store.getAgent(agent.id);
    await shareOk(owner.token, agent.id, { visibility: "link", pinnedVersion: null, expectedVersion: latest.version });
    const { shared: following } = await readJson<SharedAgentResponse>(await readShared(shareToken));
    expect(following).toMatchObject({ name: "Renamed later", instructions: "Later instructions.", pinnedVersion: null });
    expect(JSON.stringify(following)).not.toContain("owner-only");
  });

  it("never shows a shared agent's schedules or secret, pinned or not", async () => {
    const agent = await createAgent(owner.token);
    const scheduled = await editAgent(agent.id, { schedules: [schedule], expectedVersion: 1 });
    const { shareUrl } = await shareOk(owner.token, agent.id, { visibility: "public", expectedVersion: scheduled.version });
    const { shared: page } = await readJson<SharedAgentResponse>(await readShared(tokenOf(shareUrl)));
    expect(page.pinnedVersion).toBeNull();
    expect(page).not.toHaveProperty("schedules");
    const secret = (await store.getAgent(agent.id)).webhookSecret!;
    expect(secret).toMatch(webhookSecretFormat);
    const visible = JSON.stringify(page);
    for (const hidden of ["owner-only-schedule-prompt", "owner-only-webhook", secret]) expect(visible).not.toContain(hidden);
  });

  it("refuses to pin a version the agent does not have, and changes nothing", async () => {
    const agent = await createAgent(owner.token);
    const response = await share(owner.token, agent.id, { visibility: "link", pinnedVersion: 7, expectedVersion: agent.version });
    expect(response.status).toBe(400);
    const { error } = await readJson<{ error: ErrorPayload }>(response);
    expect(error.message).toMatch(/no version 7/);
    expect(error.issues?.[0]?.path).toBe("pinnedVersion");
    expect(await store.getAgent(agent.id)).toMatchObject({ visibility: "private", version: agent.version });
    expect((await store.getAgent(agent.id)).sharedVersion).toBeUndefined();
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as createAgentRoute } from "@/app/api/agents/route";
import { GET as getAgentRoute, PATCH as patchAgentRoute } from "@/app/api/agents/[id]/route";
import { POST as rollbackRoute } from "@/app/api/agents/[id]/rollback/route";
import { GET as listVersionsRoute } from "@/app/api/agents/[id]/versions/route";
import type { AgentResponse, UpdateAgentBody } from "@/lib/agent-api";
import type { ErrorPayload } from "@/lib/errors";
import type { ScheduleInput } from "@/lib/records";
import type { VersionListResponse } from "@/lib/version-api";
import { configSchema } from "@/server/config";
import type { ConversationService } from "@/server/conversations/conversation-service";
import { registerPlatformServices } from "@/server/platform-services";
import { createSqliteStore } from "@/server/store/sqlite-store";
import type { PlatformStore } from "@/server/store/store";
import type { WorkspaceRuntime } from "@/server/workspaces/workspace-runtime";

/*
 * An agent's versions, rollback and schedule edits through the REST API, on a real SQLite store,
 * calling the exported route handlers the way Next does. No Docker: nothing here runs the agent.
 */

const base = "http://localhost/api";
const minIntervalSeconds = 300;

let directory: string;
let store: PlatformStore;
let owner: { token: string; userId: string };
let visitor: { token: string; userId: string };

beforeAll(async () => {
  // Sign-in reads its secret from here, else it would create one in the repository's data/.
  process.env.AUTH_SECRET ??= "versions-api-test-secret-0123456789abcdef";
  directory = mkdtempSync(path.join(tmpdir(), "versions-api-"));
  store = createSqliteStore({ file: path.join(directory, "platform.sqlite") });
  registerPlatformServices({
    config: configSchema.parse({ DEFAULT_MODEL: "claude-test-model", SCHEDULE_MIN_INTERVAL_SECONDS: String(minIntervalSeconds) }),
    store,
    runtime: {} as WorkspaceRuntime,
    conversations: {} as ConversationService,
    offlineDemoModel: true,
  });
  owner = await guest("Ada Lovelace");
  visitor = await guest();
});

afterAll(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

async function guest(name?: string): Promise<{ token: string; userId: string }> {
  const user = await store.createUser({ type: "guest" });
  if (name) await store.updateUser(user.id, { name });
  const session = await store.createGuestSession({ userId: user.id, ttlMs: 60 * 60 * 1000 });
  return { token: session.id, userId: user.id };
}

function request(token: string | null, url: string, init: { method?: string; body?: unknown } = {}): Request {
  const headers = new Headers();
  if (token) headers.set("authorization", `Bearer ${token}`);
  if (init.body !== undefined) headers.set("content-type", "application/json");
  return new Request(`${base}${url}`, { method: init.method ?? "GET", headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
}

const params = (id: string) => ({ params: Promise.resolve({ id }) });

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

async function createAgent(instructions = "Answer in one line.") {
  const response = await createAgentRoute(request(owner.token, "/agents", { method: "POST", body: { name: "Reporter", instructions } }));
  expect(response.status).toBe(201);
  return (await json<AgentResponse>(response)).agent;
}

function edit(agentId: string, body: UpdateAgentBody, token = owner.token) {
  return patchAgentRoute(request(token, `/agents/${agentId}`, { method: "PATCH", body }), params(agentId));
}

async function editOk(agentId: string, body: UpdateAgentBody) {
  const response = await edit(agentId, body);
  expect(response.status).toBe(200);
  return (await json<AgentResponse>(response)).agent;
}

function rollback(agentId: string, body: unknown, token = owner.token) {
  return rollbackRoute(request(token, `/agents/${agentId}/rollback`, { method: "POST", body }), params(agentId));
}

async function versionsOf(agentId: string, token = owner.token) {
  return listVersionsRoute(request(token, `/agents/${agentId}/versions`), params(agentId));
}

const morning: ScheduleInput = {
  cron: "0 9 * * 1-5",
  timezone: "Europe/Paris",
  prompt: "Pull the numbers and update the chart.",
  enabled: true,
  missedRunPolicy: "skip",
};

describe("an agent's versions", () => {
  it("lists every saved version newest first, with who made it, to the owner only", async () => {
    const agent = await createAgent();
    await editOk(agent.id, { instructions: "Answer in two lines.", expectedVersion: 1 });
    await editOk(agent.id, { schedules: [morning], expectedVersion: 2 });

    const response = await versionsOf(agent.id);
    expect(response.status).toBe(200);
    const { versions } = await json<VersionListResponse>(response);
    expect(versions.map((version) => version.version)).toEqual([3, 2, 1]);
    expect(versions.map((version) => version.createdByName)).toEqual(["Ada Lovelace", "Ada Lovelace", "Ada Lovelace"]);
    expect(versions[1]?.config.instructions).toBe("Answer in two lines.");
    expect(versions[0]?.config.schedules).toMatchObject([morning]);
    expect(versions[0]?.createdAt).toEqual(expect.any(String));

    expect((await versionsOf(agent.id, visitor.token)).status).toBe(404);
    expect((await versionsOf(agent.id, "")).status).toBe(401);
  });

  it("rolls back to earlier instructions as a new version", async () => {
    const agent = await createAgent("Version one instructions.");
    await editOk(agent.id, { instructions: "Version two instructions.", model: "claude-other-model", expectedVersion: 1 });

    const response = await rollback(agent.id, { version: 1, expectedVersion: 2 });
    expect(response.status).toBe(200);
    const { agent: restored } = await json<AgentResponse>(response);
    expect(restored).toMatchObject({ version: 3, instructions: "Version one instructions.", model: "claude-test-model", status: "idle" });
    expect(await json<AgentResponse>(await getAgentRoute(request(owner.token, `/agents/${agent.id}`), params(agent.id)))).toMatchObject({
      agent: { version: 3, instructions: "Version one instructions." },
    });
    // History is never rewritten: the rollback is version 3, with version 1's config.
    const { versions } = await json<VersionListResponse>(await versionsOf(agent.id));
    expect(versions.map((version) => version.version)).toEqual([3, 2, 1]);
    expect(versions[0]?.config).toEqual(versions[2]?.config);
  });

  it("rolls schedules back too, with their ids", async () => {
    const agent = await createAgent();
    const scheduled = await editOk(agent.id, { schedules: [morning, { ...morning, cron: "0 17 * * *", enabled: false }], expectedVersion: 1 });
    const cleared = await editOk(agent.id, { schedules: [], expectedVersion: scheduled.version });
    expect(cleared.schedules).toEqual([]);
    expect(await store.listAgentsWithEnabledSchedules()).not.toContainEqual(expect.objectContaining({ id: agent.id }));

    const { agent: restored } = await json<AgentResponse>(await rollback(agent.id, { version: scheduled.version, expectedVersion: cleared.version }));
    expect(restored.schedules).toEqual(scheduled.schedules);
    expect((await store.listAgentsWithEnabledSchedules()).map((entry) => entry.id)).toContain(agent.id);
  });

  it("refuses a stale rollback with 409 and changes nothing", async () => {
    const agent = await createAgent("Original.");
    await editOk(agent.id, { instructions: "Edited in another tab.", expectedVersion: 1 });
    const before = await store.getAgent(agent.id);

    const response = await rollback(agent.id, { version: 1, expectedVersion: 1 });
    expect(response.status).toBe(409);
    expect((await json<{ error: ErrorPayload }>(response)).error).toMatchObject({ code: "conflict", message: expect.stringMatching(/Reload/) });
    expect(await store.getAgent(agent.id)).toEqual(before);
    expect((await store.listAgentVersions(agent.id)).map((version) => version.version)).toEqual([2, 1]);
  });

  it("answers 404 for a version the agent never had or another person's agent, and 400 for a bad body", async () => {
    const agent = await createAgent();
    const missing = await rollback(agent.id, { version: 9, expectedVersion: 1 });
    expect(missing.status).toBe(404);
    expect((await json<{ error: ErrorPayload }>(missing)).error.message).toMatch(/no version 9/);
    expect((await rollback(agent.id, { version: 1, expectedVersion: 1 }, visitor.token)).status).toBe(404);
    const bad = await rollback(agent.id, { version: "first", expectedVersion: 1 });
    expect(bad.status).toBe(400);
    expect((await json<{ error: ErrorPayload }>(bad)).error.issues?.[0]?.path).toBe("version");
    expect((await store.getAgent(agent.id)).version).toBe(1);
  });
});

describe("editing schedules with PATCH /api/agents/{id}", () => {
  it("gives new schedules ids, keeps them on later edits, and makes a webhook secret the owner's screens never carry", async () => {
    const agent = await createAgent();
    const saved = await editOk(agent.id, { schedules: [morning, { ...morning, webhookUrl: "https://hooks.example.com/done" }], expectedVersion: 1 });
    expect(saved.version).toBe(2);
    expect(saved.schedules).toHaveLength(2);
    for (const schedule of saved.schedules) expect(schedule.id).toMatch(/^sch_[A-Za-z0-9_-]+$/);
    expect(saved.schedules[0]!.id).not.toBe(saved.schedules[1]!.id);

    const stored = await store.getAgent(agent.id);
    expect(stored.webhookSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(saved)).not.toContain(stored.webhookSecret);
    expect(saved).not.toHaveProperty("webhookSecret");

    // An edit that does not name schedules keeps them; sending them back with ids keeps ids and secret.
    const renamed = await editOk(agent.id, { name: "Morning reporter", expectedVersion: 2 });
    expect(renamed.schedules).toEqual(saved.schedules);
    const toggled = await editOk(agent.id, { schedules: saved.schedules.map((entry) => ({ ...entry, enabled: false })), expectedVersion: 3 });
    expect(toggled.schedules.map((entry) => entry.id)).toEqual(saved.schedules.map((entry) => entry.id));
    expect((await store.getAgent(agent.id)).webhookSecret).toBe(stored.webhookSecret);
  });

  it("refuses a bad cron, an unknown time zone or too frequent a schedule with 400, a sentence and the field, and changes nothing", async () => {
    const agent = await createAgent();
    const before = await store.getAgent(agent.id);
    const cases: [ScheduleInput, string, RegExp][] = [
      [{ ...morning, cron: "0 9 * *" }, "schedules.0.cron", /5 fields: minute hour day-of-month month day-of-week/],
      [{ ...morning, cron: "0 25 * * *" }, "schedules.0.cron", /not a cron expression that ever runs/],
      [{ ...morning, timezone: "Mars/Olympus" }, "schedules.0.timezone", /not a time zone we know/],
      [{ ...morning, cron: "*/2 * * * *" }, "schedules.0.cron", /at most once every 5 minutes/],
    ];
    for (const [schedule, field, sentence] of cases) {
      const response = await edit(agent.id, { schedules: [schedule], expectedVersion: 1 });
      expect(response.status).toBe(400);
      const { error } = await json<{ error: ErrorPayload }>(response);
      expect(error.code).toBe("bad_request");
      expect(error.message).toMatch(sentence);
      expect(error.issues?.[0]?.path).toBe(field);
    }
    const tooMany = await edit(agent.id, { schedules: Array.from({ length: 11 }, () => morning), expectedVersion: 1 });
    expect(tooMany.status).toBe(400);
    expect(await store.getAgent(agent.id)).toEqual(before);
    expect((await store.listAgentVersions(agent.id)).map((version) => version.version)).toEqual([1]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as getAgentRoute } from "@/app/api/agents/[id]/route";
import { POST as rollbackRoute } from "@/app/api/agents/[id]/rollback/route";
import { GET as listVersionsRoute } from "@/app/api/agents/[id]/versions/route";
import type { AgentResponse, UpdateAgentBody } from "@/lib/agent-api";
import type { ErrorPayload } from "@/lib/errors";
import type { ScheduleInput } from "@/lib/records";
import type { VersionListResponse } from "@/lib/version-api";
import type { PlatformStore } from "@/server/store/store";
import { apiRequest, createAgentOk, idParams, readJson, startRestApi, updateAgent, updateAgentOk, type RestApi, type RestGuest } from "./support/rest-client";

/*
 * An agent's versions, rollback and schedule edits through the REST API, on a real SQLite store,
 * calling the exported route handlers the way Next does. No Docker: nothing here runs the agent.
 */

const minIntervalSeconds = 300;

let api: RestApi;
let store: PlatformStore;
let owner: RestGuest;
let visitor: RestGuest;

beforeAll(async () => {
  api = await startRestApi({ name: "versions-api", env: { DEFAULT_MODEL: "claude-test-model", SCHEDULE_MIN_INTERVAL_SECONDS: String(minIntervalSeconds) } });
  store = api.store;
  owner = await api.newGuest("Ada Lovelace");
  visitor = await api.newGuest();
});

afterAll(async () => {
  await api.close();
});

function createAgent(instructions = "Answer in one line.") {
  return createAgentOk(owner.token, { name: "Reporter", instructions });
}

function edit(agentId: string, body: UpdateAgentBody, token = owner.token) {
  return updateAgent(token, agentId, body);
}

function editOk(agentId: string, body: UpdateAgentBody) {
  return updateAgentOk(owner.token, agentId, body);
}

function rollback(agentId: string, body: unknown, token = owner.token) {
  return rollbackRoute(apiRequest(token, `/agents/${agentId}/rollback`, { method: "POST", body }), idParams(agentId));
}

async function versionsOf(agentId: string, token = owner.token) {
  return listVersionsRoute(apiRequest(token, `/agents/${agentId}/versions`), idParams(agentId));
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
    const { versions } = await readJson<VersionListResponse>(response);
    expect(versions.map((version) => version.version)).toEqual([3, 2, 1]);
    expect(versions.map((version) => version.createdByName)).toEqual(["Ada Lovelace", "Ada Lovelace", "Ada Lovelace"]);
    expect(versions[1]?.config.instructions).toBe("Answer in two lines.");
    expect(versions[0]?.config.schedules).toMatchObject([morning]);
    // When each was made, as an ISO time, newest first.
    const times = versions.map((version) => version.createdAt);
    for (const time of times) expect(new Date(time).toISOString()).toBe(time);
    expect([...times].sort().reverse()).toEqual(times);

    expect((await versionsOf(agent.id, visitor.token)).status).toBe(404);
    expect((await versionsOf(agent.id, "")).status).toBe(401);
  });

  it("rolls back to earlier instructions as a new version", async () => {
    const agent = await createAgent("Version one instructions.");
    await editOk(agent.id, { instructions: "Version two instructions.", model: "claude-other-model", expectedVersion: 1 });

    const response = await rollback(agent.id, { version: 1, expectedVersion: 2 });
    expect(response.status).toBe(200);
    const { agent: restored } = await readJson<AgentResponse>(response);
    expect(restored).toMatchObject({ version: 3, instructions: "Version one instructions.", model: "claude-test-model", status: "idle" });
    expect(await readJson<AgentResponse>(await getAgentRoute(apiRequest(owner.token, `/agents/${agent.id}`), idParams(agent.id)))).toMatchObject({
      agent: { version: 3, instructions: "Version one instructions." },
    });
    // History is never rewritten: the rollback is version 3, with version 1's config.
    const { versions } = await readJson<VersionListResponse>(await versionsOf(agent.id));
    expect(versions.map((version) => version.version)).toEqual([3, 2, 1]);
    expect(versions[0]?.config).toEqual(versions[2]?.config);
  });

  it("rolls schedules back too, with their ids", async () => {
    const agent = await createAgent();
    const scheduled = await editOk(agent.id, { schedules: [morning, { ...morning, cron: "0 17 * * *", enabled: false }], expectedVersion: 1 });
    const cleared = await editOk(agent.id, { schedules: [], expectedVersion: scheduled.version });
    expect(cleared.schedules).toEqual([]);
    expect(await store.listAgentsWithEnabledSchedules()).not.toContainEqual(expect.objectContaining({ id: agent.id }));

    const { agent: restored } = await readJson<AgentResponse>(await rollback(agent.id, { version: scheduled.version, expectedVersion: cleared.version }));
    expect(restored.schedules).toEqual(scheduled.schedules);
    expect((await store.listAgentsWithEnabledSchedules()).map((entry) => entry.id)).toContain(agent.id);
  });

  it("refuses a stale rollback with 409 and changes nothing", async () => {
    const agent = await createAgent("Original.");
    await editOk(agent.id, { instructions: "Edited in another tab.", expectedVersion: 1 });
    const before = await store.getAgent(agent.id);

    const response = await rollback(agent.id, { version: 1, expectedVersion: 1 });
    expect(response.status).toBe(409);
    expect((await readJson<{ error: ErrorPayload }>(response)).error).toMatchObject({ code: "conflict", message: expect.stringMatching(/Reload/) });
    expect(await store.getAgent(agent.id)).toEqual(before);
    expect((await store.listAgentVersions(agent.id)).map((version) => version.version)).toEqual([2, 1]);
  });

  it("answers 404 for a version the agent never had or another person's agent, and 400 for a bad body", async () => {
    const agent = await createAgent();
    const missing = await rollback(agent.id, { version: 9, expectedVersion: 1 });
    expect(missing.status).toBe(404);
    expect((await readJson<{ error: ErrorPayload }>(missing)).error.message).toMatch(/no version 9/);
    expect((await rollback(agent.id, { version: 1, expectedVersion: 1 }, visitor.token)).status).toBe(404);
    const bad = await rollback(agent.id, { version: "first", expectedVersion: 1 });
    expect(bad.status).toBe(400);
    expect((await readJson<{ error: ErrorPayload }>(bad)).error.issues?.[0]?.path).toBe("version");
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
      const { error } = await readJson<{ error: ErrorPayload }>(response);
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

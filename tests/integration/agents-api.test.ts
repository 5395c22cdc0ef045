import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as getAgentRoute, PATCH as patchAgentRoute, DELETE as deleteAgentRoute } from "@/app/api/agents/[id]/route";
import { POST as duplicateAgentRoute } from "@/app/api/agents/[id]/duplicate/route";
import { GET as listAgentsRoute, POST as createAgentRoute } from "@/app/api/agents/route";
import { GET as listTemplatesRoute } from "@/app/api/templates/route";
import type { AgentListResponse, AgentResponse, TemplateListResponse } from "@/lib/agent-api";
import { agentTemplates } from "@/lib/agent-templates";
import type { ErrorPayload } from "@/lib/errors";
import type { PlatformStore } from "@/server/store/store";
import { apiRequest, createAgentOk, idParams, readJson, startRestApi, type RestApi } from "./support/rest-client";

/*
 * The REST API of agents on a real SQLite store, calling the exported route handlers the way
 * Next does. No Docker: deleting checks only for runs in progress, which a stand-in answers.
 */

const defaultModel = "claude-test-model";

let api: RestApi;
let store: PlatformStore;
const runningConversationIds = new Set<string>();
let alice: string;
let bob: string;

beforeAll(async () => {
  api = await startRestApi({
    name: "agents-api",
    env: { DEFAULT_MODEL: defaultModel },
    conversations: { activeRunIdAnywhere: async (id: string) => (runningConversationIds.has(id) ? "run-1" : null) },
  });
  store = api.store;
  alice = (await api.newGuest()).token;
  bob = (await api.newGuest()).token;
});

afterAll(async () => {
  await api.close();
});

function createFromTemplate(token: string, templateId: string) {
  return createAgentOk(token, { templateId });
}

async function listNames(token: string, query?: string): Promise<string[]> {
  const url = query === undefined ? "/agents" : `/agents?query=${encodeURIComponent(query)}`;
  const response = await listAgentsRoute(apiRequest(token, url));
  expect(response.status).toBe(200);
  return (await readJson<AgentListResponse>(response)).agents.map((agent) => agent.name);
}

describe("agents REST API", () => {
  it("refuses a request without a session with 401 and a sentence", async () => {
    const response = await listAgentsRoute(apiRequest(null, "/agents"));
    expect(response.status).toBe(401);
    expect((await readJson<{ error: ErrorPayload }>(response)).error).toMatchObject({ code: "unauthorized", message: expect.stringMatching(/^Sign in first/) });
  });

  it("lists the templates with the default model", async () => {
    const response = await listTemplatesRoute(apiRequest(alice, "/templates"));
    expect(response.status).toBe(200);
    const body = await readJson<TemplateListResponse>(response);
    expect(body.defaultModel).toBe(defaultModel);
    expect(body.templates.map((template) => template.id)).toEqual(agentTemplates.map((template) => template.id));
  });

  it("creates an agent from a template with its first version and the default model", async () => {
    const template = agentTemplates[0]!;
    const agent = await createFromTemplate(alice, template.id);
    expect(agent).toMatchObject({
      name: template.name,
      description: template.description,
      instructions: template.instructions,
      model: defaultModel,
      templateId: template.id,
      version: 1,
      status: "idle",
    });
    const versions = await store.listAgentVersions(agent.id);
    expect(versions.map((version) => version.version)).toEqual([1]);
    expect(versions[0]?.config.instructions).toBe(template.instructions);
  });

  it("creates a blank agent from a name and lists the owner's agents newest first", async () => {
    const response = await createAgentRoute(
      apiRequest(alice, "/agents", { method: "POST", body: { name: "Budget helper", description: "Checks the quarterly budget" } }),
    );
    expect(response.status).toBe(201);
    const agent = (await readJson<AgentResponse>(response)).agent;
    expect(agent.instructions).toBe("");
    expect(agent.templateId).toBeUndefined();

    const names = await listNames(alice);
    expect(names[0]).toBe("Budget helper");
    expect(names).toContain(agentTemplates[0]!.name);
  });

  it("searches by name and description, ignoring case", async () => {
    await createFromTemplate(alice, "python-tutor");
    expect(await listNames(alice, "TUTOR")).toEqual(["Python tutor"]);
    expect(await listNames(alice, "quarterly budget")).toEqual(["Budget helper"]);
    expect(await listNames(alice, "nothing like this")).toEqual([]);
  });

  it("shows an agent as running or in error from its conversations", async () => {
    const agent = await createFromTemplate(alice, "chart-maker");
    const conversation = await store.createConversation({ agentId: agent.id, ownerId: agent.ownerId });
    await store.updateConversation(conversation.id, { status: "running" });
    const running = await getAgentRoute(apiRequest(alice, `/agents/${agent.id}`), idParams(agent.id));
    expect((await readJson<AgentResponse>(running)).agent.status).toBe("running");

    await store.updateConversation(conversation.id, { status: "error" });
    const failed = await getAgentRoute(apiRequest(alice, `/agents/${agent.id}`), idParams(agent.id));
    expect((await readJson<AgentResponse>(failed)).agent.status).toBe("error");
  });

  it("updates an agent, records a version, and answers a stale edit with 409", async () => {
    const agent = await createFromTemplate(alice, "data-cleaner");
    const edit = (body: unknown) => patchAgentRoute(apiRequest(alice, `/agents/${agent.id}`, { method: "PATCH", body }), idParams(agent.id));

    const updated = await edit({ name: "CRM cleaner", instructions: "Clean the CRM export.", expectedVersion: 1 });
    expect(updated.status).toBe(200);
    expect((await readJson<AgentResponse>(updated)).agent).toMatchObject({ name: "CRM cleaner", version: 2 });
    expect((await store.listAgentVersions(agent.id)).map((version) => version.config.name)).toEqual(["CRM cleaner", "Data cleaner"]);

    const stale = await edit({ name: "Another name", expectedVersion: 1 });
    expect(stale.status).toBe(409);
    const error = (await readJson<{ error: ErrorPayload }>(stale)).error;
    expect(error.code).toBe("conflict");
    expect(error.message).toMatch(/changed somewhere else.*Reload/);
    expect((await store.getAgent(agent.id)).name).toBe("CRM cleaner");
  });

  it("answers a bad body with 400 and the field at fault", async () => {
    const agent = await createFromTemplate(alice, "chart-maker");
    const noVersion = await patchAgentRoute(
      apiRequest(alice, `/agents/${agent.id}`, { method: "PATCH", body: { name: "x" } }),
      idParams(agent.id),
    );
    expect(noVersion.status).toBe(400);
    expect((await readJson<{ error: ErrorPayload }>(noVersion)).error.issues?.map((issue) => issue.path)).toContain("expectedVersion");

    const emptyName = await patchAgentRoute(
      apiRequest(alice, `/agents/${agent.id}`, { method: "PATCH", body: { name: "   ", expectedVersion: 1 } }),
      idParams(agent.id),
    );
    expect(emptyName.status).toBe(400);
    expect((await readJson<{ error: ErrorPayload }>(emptyName)).error.issues?.[0]?.path).toBe("name");

    const unknownField = await createAgentRoute(apiRequest(alice, "/agents", { method: "POST", body: { name: "x", ownerId: "someone" } }));
    expect(unknownField.status).toBe(400);
    const noName = await createAgentRoute(apiRequest(alice, "/agents", { method: "POST", body: {} }));
    expect(noName.status).toBe(400);
    const unknownTemplate = await createAgentRoute(apiRequest(alice, "/agents", { method: "POST", body: { templateId: "no-such-template" } }));
    expect(unknownTemplate.status).toBe(400);
    const notJson = await createAgentRoute(apiRequest(alice, "/agents", { method: "POST", body: "{not json" }));
    expect(notJson.status).toBe(400);
  });

  it("duplicates an agent into a new private copy", async () => {
    const source = await createFromTemplate(alice, "survey-results-analyst");
    const response = await duplicateAgentRoute(apiRequest(alice, `/agents/${source.id}/duplicate`, { method: "POST" }), idParams(source.id));
    expect(response.status).toBe(201);
    const copy = (await readJson<AgentResponse>(response)).agent;
    expect(copy).toMatchObject({
      name: "Survey results analyst (copy)",
      instructions: source.instructions,
      copiedFrom: source.id,
      visibility: "private",
      version: 1,
    });
    expect(copy.id).not.toBe(source.id);
    expect((await store.listAgentVersions(copy.id)).length).toBe(1);
  });

  it("deletes an agent with its conversations, but not while it is answering", async () => {
    const agent = await createFromTemplate(alice, "web-page-summarizer");
    const conversation = await store.createConversation({ agentId: agent.id, ownerId: agent.ownerId });

    runningConversationIds.add(conversation.id);
    const busy = await deleteAgentRoute(apiRequest(alice, `/agents/${agent.id}`, { method: "DELETE" }), idParams(agent.id));
    expect(busy.status).toBe(409);
    runningConversationIds.delete(conversation.id);

    const deleted = await deleteAgentRoute(apiRequest(alice, `/agents/${agent.id}`, { method: "DELETE" }), idParams(agent.id));
    expect(deleted.status).toBe(204);
    await expect(store.getConversation(conversation.id)).rejects.toMatchObject({ code: "not_found" });
    const again = await getAgentRoute(apiRequest(alice, `/agents/${agent.id}`), idParams(agent.id));
    expect(again.status).toBe(404);
  });

  it("hides one person's agents from another: every route answers 404", async () => {
    const agent = await createFromTemplate(alice, "excel-report-builder");
    const asBob = [
      await getAgentRoute(apiRequest(bob, `/agents/${agent.id}`), idParams(agent.id)),
      await patchAgentRoute(apiRequest(bob, `/agents/${agent.id}`, { method: "PATCH", body: { name: "Mine now", expectedVersion: 1 } }), idParams(agent.id)),
      await duplicateAgentRoute(apiRequest(bob, `/agents/${agent.id}/duplicate`, { method: "POST" }), idParams(agent.id)),
      await deleteAgentRoute(apiRequest(bob, `/agents/${agent.id}`, { method: "DELETE" }), idParams(agent.id)),
    ];
    expect(asBob.map((response) => response.status)).toEqual([404, 404, 404, 404]);
    expect(await listNames(bob)).toEqual([]);
    expect((await store.getAgent(agent.id)).name).toBe("Excel report builder");
  });

  it("answers 404 for an id that cannot exist", async () => {
    const response = await getAgentRoute(apiRequest(alice, "/agents/..%2Fetc"), idParams("../etc"));
    expect(response.status).toBe(404);
  });
});

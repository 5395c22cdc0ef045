import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as getAgentRoute, PATCH as patchAgentRoute, DELETE as deleteAgentRoute } from "@/app/api/agents/[id]/route";
import { POST as duplicateAgentRoute } from "@/app/api/agents/[id]/duplicate/route";
import { GET as listAgentsRoute, POST as createAgentRoute } from "@/app/api/agents/route";
import { GET as listTemplatesRoute } from "@/app/api/templates/route";
import type { AgentListResponse, AgentResponse, TemplateListResponse } from "@/lib/agent-api";
import { agentTemplates } from "@/lib/agent-templates";
import type { ErrorPayload } from "@/lib/errors";
import { configSchema } from "@/server/config";
import type { ConversationService } from "@/server/conversations/conversation-service";
import { registerPlatformServices } from "@/server/platform-services";
import { createSqliteStore } from "@/server/store/sqlite-store";
import type { PlatformStore } from "@/server/store/store";
import type { WorkspaceRuntime } from "@/server/workspaces/workspace-runtime";

/*
 * The REST API of agents on a real SQLite store, calling the exported route handlers the way
 * Next does. No Docker: deleting checks only for runs in progress, which a stand-in answers.
 */

const defaultModel = "claude-test-model";
const base = "http://localhost/api";

let directory: string;
let store: PlatformStore;
const runningConversationIds = new Set<string>();
let alice: string;
let bob: string;

beforeAll(async () => {
  // Sign-in reads its secret from here, else it would create one in the repository's data/.
  process.env.AUTH_SECRET ??= "agents-api-test-secret-0123456789abcdef";
  directory = mkdtempSync(path.join(tmpdir(), "agents-api-"));
  store = createSqliteStore({ file: path.join(directory, "platform.sqlite") });
  const conversations = { activeRunId: (id: string) => (runningConversationIds.has(id) ? "run-1" : null) } as unknown as ConversationService;
  registerPlatformServices({
    config: configSchema.parse({ DEFAULT_MODEL: defaultModel }),
    store,
    runtime: {} as WorkspaceRuntime,
    conversations,
    offlineDemoModel: true,
  });
  alice = await guestToken();
  bob = await guestToken();
});

afterAll(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

async function guestToken(): Promise<string> {
  const user = await store.createUser({ type: "guest" });
  const session = await store.createGuestSession({ userId: user.id, ttlMs: 60 * 60 * 1000 });
  return session.id;
}

function request(token: string | null, url: string, init: { method?: string; body?: unknown } = {}): Request {
  const headers = new Headers();
  if (token) headers.set("authorization", `Bearer ${token}`);
  if (init.body !== undefined) headers.set("content-type", "application/json");
  return new Request(`${base}${url}`, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body),
  });
}

const params = (id: string) => ({ params: Promise.resolve({ id }) });

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

async function createFromTemplate(token: string, templateId: string): Promise<AgentResponse["agent"]> {
  const response = await createAgentRoute(request(token, "/agents", { method: "POST", body: { templateId } }));
  expect(response.status).toBe(201);
  return (await json<AgentResponse>(response)).agent;
}

async function listNames(token: string, query?: string): Promise<string[]> {
  const url = query === undefined ? "/agents" : `/agents?query=${encodeURIComponent(query)}`;
  const response = await listAgentsRoute(request(token, url));
  expect(response.status).toBe(200);
  return (await json<AgentListResponse>(response)).agents.map((agent) => agent.name);
}

describe("agents REST API", () => {
  it("refuses a request without a session with 401 and a sentence", async () => {
    const response = await listAgentsRoute(request(null, "/agents"));
    expect(response.status).toBe(401);
    expect((await json<{ error: ErrorPayload }>(response)).error.code).toBe("unauthorized");
  });

  it("lists the templates with the default model", async () => {
    const response = await listTemplatesRoute(request(alice, "/templates"));
    expect(response.status).toBe(200);
    const body = await json<TemplateListResponse>(response);
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
      request(alice, "/agents", { method: "POST", body: { name: "Budget helper", description: "Checks the quarterly budget" } }),
    );
    expect(response.status).toBe(201);
    const agent = (await json<AgentResponse>(response)).agent;
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
    const running = await getAgentRoute(request(alice, `/agents/${agent.id}`), params(agent.id));
    expect((await json<AgentResponse>(running)).agent.status).toBe("running");

    await store.updateConversation(conversation.id, { status: "error" });
    const failed = await getAgentRoute(request(alice, `/agents/${agent.id}`), params(agent.id));
    expect((await json<AgentResponse>(failed)).agent.status).toBe("error");
  });

  it("updates an agent, records a version, and answers a stale edit with 409", async () => {
    const agent = await createFromTemplate(alice, "data-cleaner");
    const edit = (body: unknown) => patchAgentRoute(request(alice, `/agents/${agent.id}`, { method: "PATCH", body }), params(agent.id));

    const updated = await edit({ name: "CRM cleaner", instructions: "Clean the CRM export.", expectedVersion: 1 });
    expect(updated.status).toBe(200);
    expect((await json<AgentResponse>(updated)).agent).toMatchObject({ name: "CRM cleaner", version: 2 });
    expect((await store.listAgentVersions(agent.id)).map((version) => version.config.name)).toEqual(["CRM cleaner", "Data cleaner"]);

    const stale = await edit({ name: "Another name", expectedVersion: 1 });
    expect(stale.status).toBe(409);
    const error = (await json<{ error: ErrorPayload }>(stale)).error;
    expect(error.code).toBe("conflict");
    expect(error.message).toMatch(/changed somewhere else.*Reload/);
    expect((await store.getAgent(agent.id)).name).toBe("CRM cleaner");
  });

  it("answers a bad body with 400 and the field at fault", async () => {
    const agent = await createFromTemplate(alice, "chart-maker");
    const noVersion = await patchAgentRoute(
      request(alice, `/agents/${agent.id}`, { method: "PATCH", body: { name: "x" } }),
      params(agent.id),
    );
    expect(noVersion.status).toBe(400);
    expect((await json<{ error: ErrorPayload }>(noVersion)).error.issues?.map((issue) => issue.path)).toContain("expectedVersion");

    const emptyName = await patchAgentRoute(
      request(alice, `/agents/${agent.id}`, { method: "PATCH", body: { name: "   ", expectedVersion: 1 } }),
      params(agent.id),
    );
    expect(emptyName.status).toBe(400);
    expect((await json<{ error: ErrorPayload }>(emptyName)).error.issues?.[0]?.path).toBe("name");

    const unknownField = await createAgentRoute(request(alice, "/agents", { method: "POST", body: { name: "x", ownerId: "someone" } }));
    expect(unknownField.status).toBe(400);
    const noName = await createAgentRoute(request(alice, "/agents", { method: "POST", body: {} }));
    expect(noName.status).toBe(400);
    const unknownTemplate = await createAgentRoute(request(alice, "/agents", { method: "POST", body: { templateId: "no-such-template" } }));
    expect(unknownTemplate.status).toBe(400);
    const notJson = await createAgentRoute(request(alice, "/agents", { method: "POST", body: "{not json" }));
    expect(notJson.status).toBe(400);
  });

  it("duplicates an agent into a new private copy", async () => {
    const source = await createFromTemplate(alice, "survey-results-analyst");
    const response = await duplicateAgentRoute(request(alice, `/agents/${source.id}/duplicate`, { method: "POST" }), params(source.id));
    expect(response.status).toBe(201);
    const copy = (await json<AgentResponse>(response)).agent;
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
    const busy = await deleteAgentRoute(request(alice, `/agents/${agent.id}`, { method: "DELETE" }), params(agent.id));
    expect(busy.status).toBe(409);
    runningConversationIds.delete(conversation.id);

    const deleted = await deleteAgentRoute(request(alice, `/agents/${agent.id}`, { method: "DELETE" }), params(agent.id));
    expect(deleted.status).toBe(204);
    await expect(store.getConversation(conversation.id)).rejects.toMatchObject({ code: "not_found" });
    const again = await getAgentRoute(request(alice, `/agents/${agent.id}`), params(agent.id));
    expect(again.status).toBe(404);
  });

  it("hides one person's agents from another: every route answers 404", async () => {
    const agent = await createFromTemplate(alice, "excel-report-builder");
    const asBob = [
      await getAgentRoute(request(bob, `/agents/${agent.id}`), params(agent.id)),
      await patchAgentRoute(request(bob, `/agents/${agent.id}`, { method: "PATCH", body: { name: "Mine now", expectedVersion: 1 } }), params(agent.id)),
      await duplicateAgentRoute(request(bob, `/agents/${agent.id}/duplicate`, { method: "POST" }), params(agent.id)),
      await deleteAgentRoute(request(bob, `/agents/${agent.id}`, { method: "DELETE" }), params(agent.id)),
    ];
    expect(asBob.map((response) => response.status)).toEqual([404, 404, 404, 404]);
    expect(await listNames(bob)).toEqual([]);
    expect((await store.getAgent(agent.id)).name).toBe("Excel report builder");
  });

  it("answers 404 for an id that cannot exist", async () => {
    const response = await getAgentRoute(request(alice, "/agents/..%2Fetc"), params("../etc"));
    expect(response.status).toBe(404);
  });
});
